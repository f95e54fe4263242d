"""What each member can be reached by: a phone that takes pushes, an e-mail address that has not
bounced, a mobile number, and the marketing consents that count now. Read in bulk, judged by
`digital_stampcard.channels`."""

from __future__ import annotations

from collections.abc import Iterable

from backend.context import AppContext
from backend.members.consent_ledger import counted_consents
from backend.members.tables import Member
from backend.push.tables import PushSubscription
from digital_stampcard.channels import CONSENT, Channel, Reachable

PURPOSES = (*CONSENT.values(), "analysis")


def available_channels(ctx: AppContext) -> frozenset[Channel]:
    """The channels this installation can send by. Development parks e-mail and SMS in the dev outbox;
    production needs SMTP and an SMS gateway, and push needs its key."""
    s = ctx.settings
    channels: set[Channel] = {"push"} if ctx.vapid is not None else set()
    if s.email_transport == "smtp" or not s.is_production:
        channels.add("email")
    if s.sms_transport != "outbox" or not s.is_production:
        channels.add("sms")
    return frozenset(channels)


async def reachability(
    ctx: AppContext, member_ids: Iterable[int] | None
) -> tuple[dict[int, Reachable], dict[int, dict[str, bool]]]:
    """Per member, what reaches them, and their consents (the analysis consent included). Three
    queries, whatever the number of members; `None` means every member."""
    ids = None if member_ids is None else sorted(set(member_ids))
    if ids is not None and not ids:
        return {}, {}
    members = Member.select(Member.id, Member.phone, Member.email, Member.email_undeliverable_at)
    devices = PushSubscription.select(PushSubscription.member).where(PushSubscription.flagged_at.is_null())
    if ids is not None:
        members = members.where(Member.id.is_in(ids))
        devices = devices.where(PushSubscription.member.is_in(ids))
    with_device = {r["member"] for r in await devices}
    given = await counted_consents(ids, PURPOSES)
    can = available_channels(ctx)
    reach = {
        m["id"]: Reachable(
            push_device="push" in can and m["id"] in with_device,
            email="email" in can and bool(m["email"]) and m["email_undeliverable_at"] is None,
            phone="sms" in can and bool(m["phone"]),
            consents=frozenset(p for p, yes in given.get(m["id"], {}).items() if yes),
        )
        for m in await members
    }
    return reach, given
