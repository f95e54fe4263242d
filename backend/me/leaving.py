""" "Meld meg ut" (GDPR art. 17): erase the member's personal data and keep only anonymous aggregates.

The member row stays, as an anonymous number with its join date, tier, source store and ledger, so
the owner's figures do not change when someone leaves. Everything that could point to the person
goes, in one transaction: phone, e-mail, name, birthday, interests and profile fields, devices and
their keys, passkeys, sessions, push subscriptions, what notifications said, one-time codes and
messages sent to them, and stored till responses that named them. Unredeemed rewards are cancelled.
The phone number or e-mail is free again: joining with it later makes a brand-new member.
"""

from __future__ import annotations

from typing import Any

from backend import outbox
from backend.accounts.tables import MemberPasskey, OtpChallenge, PasskeyChallenge, WebSession
from backend.cards.stamping import ledger_entry
from backend.cards.tables import LedgerEntry, Reward
from backend.context import AppContext
from backend.core.tables import IdempotencyRecord
from backend.db import write_transaction
from backend.members.locking import lock_member
from backend.members.registry import current_consents
from backend.members.tables import ConsentEvent, Member, MemberDevice
from backend.messaging.tables import OutboxMessage
from backend.push.tables import Notification, PushSubscription
from digital_stampcard.effects import Webhook
from digital_stampcard.errors import DomainError

REASON = "member_left"


def anonymous_number(member_id: int) -> str:
    """Real member numbers start at 1 (eight digits and a check digit), so a leading 0 never collides."""
    return f"0{member_id:08d}"


async def leave(ctx: AppContext, member_id: int) -> None:
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        member: Member | None = await lock_member(ctx.engine, member_id)
        if member is None or member.left_at is not None:
            raise DomainError("not_authenticated", "Log in to continue.", kind="unauthenticated")
        number = member.member_number
        addresses = [a for a in (member.phone, member.email) if a]
        left = Webhook("member.left", member_id, {"left_at": now.isoformat()})
        await outbox.write_one(left, now)  # named by the member number, once more
        for purpose, granted in (await current_consents(member_id)).items():
            if granted:
                await ConsentEvent.insert(
                    ConsentEvent(
                        member=member_id, purpose=purpose, granted=False, text_version="", source=REASON, created_at=now
                    )
                )
        cancelled = (
            await Reward.update({Reward.status: "revoked", Reward.revoked_reason: REASON})
            .where((Reward.member == member_id) & (Reward.status == "active"))
            .returning(Reward.id, Reward.program)
        )
        for reward in cancelled:
            await LedgerEntry.insert(
                ledger_entry(
                    member_id,
                    reward["program"],
                    "reward_revoked",
                    0,
                    REASON,
                    now,
                    None,
                    None,
                    None,
                    reward_id=reward["id"],
                )
            )
        await _erase(member_id, number, addresses, now)


async def _erase(member_id: int, number: str, addresses: list[str], now: Any) -> None:
    await Member.update(
        {
            Member.member_number: anonymous_number(member_id),
            Member.phone: None,
            Member.email: None,
            Member.email_undeliverable_at: None,
            Member.first_name: None,
            Member.birthday: None,
            Member.birthday_set_at: None,
            Member.interests: [],
            Member.profile_extra: {},
            Member.favourite_store: None,
            Member.referral_code: None,  # the personal link stops working; friends' referrals stay as counts
            Member.push_service_enabled: False,
            Member.left_at: now,
        }
    ).where(Member.id == member_id)
    await MemberPasskey.delete().where(MemberPasskey.member == member_id)
    await PasskeyChallenge.delete().where(PasskeyChallenge.member == member_id)
    await OtpChallenge.delete().where(OtpChallenge.member == member_id)  # codes for a new address
    await MemberDevice.delete().where(MemberDevice.member == member_id)
    await WebSession.delete().where(WebSession.member == member_id)
    await PushSubscription.delete().where(PushSubscription.member == member_id)
    # Sent ones stay as counts for campaign figures; what they said (a name, a reward) goes.
    await Notification.update({Notification.data: {}}).where(Notification.member == member_id)
    await Notification.update({Notification.status: "skipped", Notification.skip_reason: REASON}).where(
        (Notification.member == member_id) & (Notification.status == "pending")
    )
    await forget_addresses(addresses)
    # A till's stored answer (kept for retries) carries the member's number and first name.
    await IdempotencyRecord.delete().where(IdempotencyRecord.response_body.like(f'%"member_number":"{number}"%'))


async def forget_addresses(addresses: list[str]) -> None:
    """One-time codes and the messages that carried them, for addresses a member no longer has (they
    left, or moved to a new phone or e-mail)."""
    if addresses:
        await OtpChallenge.delete().where(OtpChallenge.identifier.is_in(addresses))
        await OutboxMessage.delete().where(OutboxMessage.to_address.is_in(addresses))
