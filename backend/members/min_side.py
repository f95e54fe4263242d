"""Min side, the member's own page: signed-in phones, the full history, every reward, and a copy of
everything we hold about the member (GDPR art. 15), downloadable at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.accounts.tables import MemberPasskey, WebSession
from backend.cards.tables import Card, LedgerEntry, Reward
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.min_side_schemas import (
    HistoryEntry,
    HistoryPage,
    MemberSession,
    MemberSessions,
    MyReward,
    MyRewards,
    SignedOutSessions,
)
from backend.members.referrals import for_export as referrals_for_export
from backend.members.registry import revoke_session_devices
from backend.members.tables import ConsentEvent, Member, MemberDevice
from backend.push.tables import Notification, PushDelivery, PushSubscription
from digital_stampcard import rewards as reward_rules
from digital_stampcard.devices import describe_user_agent
from digital_stampcard.errors import DomainError

HISTORY_PAGE = 50


def _live_member_sessions(member_id: int, now: datetime) -> list[Any]:
    return [
        WebSession.kind == "member",
        WebSession.member == member_id,
        WebSession.revoked_at.is_null(),
        WebSession.expires_at > now,
    ]


async def sessions(member_id: int, current_session_id: int, now: datetime) -> MemberSessions:
    rows = (
        await WebSession.select(
            WebSession.id, WebSession.user_agent, WebSession.created_at, WebSession.last_seen_at, WebSession.expires_at
        )
        .where(*_live_member_sessions(member_id, now))
        .order_by(WebSession.last_seen_at, ascending=False)
    )
    return MemberSessions(
        [
            MemberSession(
                id=r["id"],
                device=describe_user_agent(r["user_agent"]),
                signed_in_at=r["created_at"],
                last_seen_at=r["last_seen_at"],
                expires_at=r["expires_at"],
                this_device=r["id"] == current_session_id,
            )
            for r in rows
        ]
    )


async def sign_out(ctx: AppContext, member_id: int, session_ids: list[int] | None, keep: int | None) -> int:
    """Ends the member's own sessions (`None`: all of them but `keep`) and their phones' QR keys, so a
    lost phone can neither open the app nor show a valid member code."""
    now = ctx.clock.now()
    query = WebSession.update({WebSession.revoked_at: now}).where(*_live_member_sessions(member_id, now))
    if session_ids is not None:
        query = query.where(WebSession.id.is_in(session_ids))
    if keep is not None:
        query = query.where(WebSession.id != keep)
    async with write_transaction(ctx.engine):
        ended = [r["id"] for r in await query.returning(WebSession.id)]
        for session_id in ended:
            await revoke_session_devices(session_id, now)
    return len(ended)


async def sign_out_one(ctx: AppContext, member_id: int, session_id: int) -> SignedOutSessions:
    # Another member's session is "not found": whether it exists is none of this member's business.
    if not await sign_out(ctx, member_id, [session_id], None):
        raise DomainError("session_not_found", "That sign-in no longer exists.", kind="not_found")
    return SignedOutSessions(1)


async def history(member_id: int, before: int | None, limit: int = HISTORY_PAGE) -> HistoryPage:
    """Every stamp, bonus, reward, redemption, undo and void, newest first; `before` is the cursor."""
    query = LedgerEntry.select(
        LedgerEntry.id,
        LedgerEntry.created_at,
        LedgerEntry.kind,
        LedgerEntry.stamps,
        LedgerEntry.reason,
        LedgerEntry.reverses,
        LedgerEntry.store.name.as_alias("store"),
        LedgerEntry.reward.title.as_alias("reward"),
    ).where(LedgerEntry.member == member_id)
    if before is not None:
        query = query.where(LedgerEntry.id < before)
    rows = await query.order_by(LedgerEntry.id, ascending=False).limit(limit + 1)
    page = rows[:limit]
    return HistoryPage(
        [
            HistoryEntry(
                r["id"], r["created_at"], r["kind"], r["stamps"], r["reason"], r["store"], r["reward"], r["reverses"]
            )
            for r in page
        ],
        page[-1]["id"] if len(rows) > limit else None,
    )


async def rewards(member_id: int, now: datetime) -> MyRewards:
    rows = (
        await Reward.select(
            Reward.id,
            Reward.title,
            Reward.status,
            Reward.issued_at,
            Reward.expires_at,
            Reward.redeemed_at,
            Reward.revoked_reason,
            Reward.redeemed_store.name.as_alias("store"),
        )
        .where(Reward.member == member_id)
        .order_by(Reward.id, ascending=False)
    )
    out = MyRewards([], [], [], [])
    for r in rows:
        status = reward_rules.effective_status(r["status"], r["expires_at"], now)
        item = MyReward(
            r["id"],
            r["title"],
            status,
            r["issued_at"],
            r["expires_at"],
            r["redeemed_at"],
            r["store"],
            r["revoked_reason"],
        )
        {"active": out.active, "redeemed": out.used, "expired": out.expired}.get(status, out.revoked).append(item)
    out.active.sort(key=lambda r: r.expires_at)  # the one running out first on top
    return out


async def export(member: Member, now: datetime) -> dict[str, Any]:
    """Everything we hold about the member, as JSON-ready values. Left out are secrets that say nothing
    about the member: the push subscriptions' keys (the browser's, for the push service) and the
    passkeys' public keys."""
    m = member.id
    subscriptions = await PushSubscription.select(
        PushSubscription.id,
        PushSubscription.endpoint,
        PushSubscription.user_agent,
        PushSubscription.created_at,
        PushSubscription.last_seen_at,
    ).where(PushSubscription.member == m)
    notifications = (
        await Notification.select(
            Notification.id,
            Notification.kind,
            Notification.data,
            Notification.created_at,
            Notification.due_at,
            Notification.status,
            Notification.campaign.title.as_alias("campaign"),
        )
        .where(Notification.member == m)
        .output(load_json=True)
        .order_by(Notification.id)
    )
    deliveries = await PushDelivery.select(
        PushDelivery.notification,
        PushDelivery.status,
        PushDelivery.sent_at,
        PushDelivery.received_at,
        PushDelivery.opened_at,
    ).where(PushDelivery.notification.member == m)
    for n in notifications:
        n["deliveries"] = [
            {k: d[k] for k in ("status", "sent_at", "received_at", "opened_at")}
            for d in deliveries
            if d["notification"] == n["id"]
        ]
    profile = {
        "member_number": member.member_number,
        "phone": member.phone,
        "email": member.email,
        "first_name": member.first_name,
        "birthday": member.birthday,
        "interests": member.interests,
        "profile_fields": member.profile_extra or {},
        "favourite_store": member.favourite_store,
        "joined_at": member.joined_at,
        "signup_source": member.signup_source,
        "source_store": member.source_store,
        "language": member.lang,
        "tier": member.tier_code,
        "tier_review_at": member.tier_review_at,
        "service_messages_on": member.push_service_enabled,
        "last_visit_at": member.last_visit_at,
    }
    return {
        "exported_at": now,
        "about": "Alt Digital Stampcard har lagret om deg / everything we hold about you (GDPR art. 15)",
        "profile": profile,
        "consents": await ConsentEvent.select(
            ConsentEvent.purpose,
            ConsentEvent.granted,
            ConsentEvent.text_version,
            ConsentEvent.source,
            ConsentEvent.created_at,
        )
        .where(ConsentEvent.member == m)
        .order_by(ConsentEvent.id),
        "ledger": [_as_dict(e) for e in (await history(m, None, limit=1_000_000)).entries],
        "cards": await Card.select(
            Card.seq, Card.stamps, Card.capacity, Card.reward_text, Card.status, Card.opened_at, Card.completed_at
        )
        .where(Card.member == m)
        .order_by(Card.id),
        "rewards": await Reward.select(
            Reward.id,
            Reward.title,
            Reward.status,
            Reward.issued_at,
            Reward.expires_at,
            Reward.redeemed_at,
            Reward.revoked_reason,
        )
        .where(Reward.member == m)
        .order_by(Reward.id),
        "devices": await MemberDevice.select(
            MemberDevice.device_id,
            MemberDevice.label,
            MemberDevice.created_at,
            MemberDevice.last_sync_at,
            MemberDevice.revoked_at,
        )
        .where(MemberDevice.member == m)
        .order_by(MemberDevice.id),
        "sessions": await WebSession.select(
            WebSession.user_agent,
            WebSession.ip,
            WebSession.created_at,
            WebSession.last_seen_at,
            WebSession.expires_at,
            WebSession.revoked_at,
        )
        .where(WebSession.member == m)
        .order_by(WebSession.id),
        "passkeys": await MemberPasskey.select(
            MemberPasskey.label, MemberPasskey.created_at, MemberPasskey.last_used_at
        )
        .where(MemberPasskey.member == m)
        .order_by(MemberPasskey.id),
        "push_subscriptions": subscriptions,
        "notifications": notifications,
        "referrals": await referrals_for_export(m),
    }


def _as_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {f: getattr(entry, f) for f in entry.__struct_fields__}
