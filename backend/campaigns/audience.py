"""Who a campaign reaches: every member's facts loaded in a few bulk queries, judged by the pure
rules (segment, consents, devices, the weekly cap). Used for the reach preview and at release."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from backend.cards.tables import Reward
from backend.members.consent_ledger import counted_consents
from backend.members.tables import Member
from backend.push.tables import Notification, PushSubscription
from digital_stampcard import notifications as rules
from digital_stampcard.segments import MemberFacts, Segment, early_access_send_at, exclusion

CONSENTS = ("marketing_push", "analysis")


class Candidate(msgspec.Struct, frozen=True):
    member_id: int
    lang: str
    facts: MemberFacts


class Excluded(msgspec.Struct):
    no_marketing_consent: int = 0
    no_analysis_consent: int = 0
    no_device: int = 0
    weekly_cap: int = 0


class Reach(msgspec.Struct, kw_only=True):
    in_segment: int  # members the filters pick (consent or not)
    reach: int  # members who will get the push
    excluded: Excluded
    send_at: datetime  # when the others get it, moved out of quiet hours
    moved_by_quiet_hours: bool
    early: EarlyReach | None = None


class EarlyReach(msgspec.Struct):
    reach: int
    send_at: datetime


async def candidates(now: datetime) -> list[Candidate]:
    """Every member with what segments look at. Four queries, whatever the club's size."""
    members = await Member.select(
        Member.id,
        Member.lang,
        Member.tier_code,
        Member.last_visit_at,
        Member.birthday,
        Member.interests,
        Member.favourite_store,
    ).output(load_json=True)
    # The newest event per purpose wins; a "yes" to a text replaced by one to accept again does not count.
    consents: dict[int, dict[str, bool]] = defaultdict(dict, await counted_consents(None, CONSENTS))
    rewarded = {
        r["member"]
        for r in await Reward.select(Reward.member).where((Reward.status == "active") & (Reward.expires_at > now))
    }
    return [
        Candidate(
            m["id"],
            m["lang"] or "nb",
            MemberFacts(
                tier_code=m["tier_code"],
                last_visit_at=m["last_visit_at"],
                birthday=m["birthday"],
                interests=list(m["interests"] or []),
                favourite_store_id=m["favourite_store"],
                has_active_reward=m["id"] in rewarded,
                analysis_consent=consents[m["id"]].get("analysis", False),
                push_marketing_consent=consents[m["id"]].get("marketing_push", False),
            ),
        )
        for m in members
    ]


def recipients(segment: Segment, people: Iterable[Candidate], with_devices: set[int]) -> list[Candidate]:
    """The members the campaign is written for: in the segment, with the consents it needs and a phone."""
    return [c for c in people if c.member_id in with_devices and exclusion(segment, c.facts) is None]


async def members_with_devices() -> set[int]:
    rows = await PushSubscription.select(PushSubscription.member).where(PushSubscription.flagged_at.is_null())
    return {r["member"] for r in rows}


async def _marketing_times(around: datetime) -> dict[int, list[datetime]]:
    """Marketing pushes already out or on their way, a week either side of `around`."""
    rows = await Notification.select(Notification.member, Notification.due_at).where(
        Notification.kind.is_in(sorted(rules.MARKETING_KINDS))
        & Notification.status.is_in(["pending", "expanded"])
        & (Notification.due_at >= around - rules.CAP_WINDOW)
        & (Notification.due_at <= around + rules.CAP_WINDOW)
    )
    times: dict[int, list[datetime]] = defaultdict(list)
    for row in rows:
        times[row["member"]].append(row["due_at"])
    return times


def _first_send(moment: datetime, policy: rules.PushPolicy) -> datetime:
    return rules.next_quiet_end(moment, policy) if rules.in_quiet_hours(moment, policy) else moment


async def preview(
    segment: Segment,
    send_at: datetime,
    early_tiers: list[str],
    lead: timedelta,
    now: datetime,
    policy: rules.PushPolicy,
) -> Reach:
    """What the owner sees before sending: how many get it, and why the others don't."""
    people = await candidates(now)
    devices = await members_with_devices()
    sent = await _marketing_times(send_at)
    excluded = Excluded()
    in_segment = reached = early_reached = 0
    for person in people:
        why = exclusion(segment, person.facts)
        if why == "outside_segment":
            continue
        in_segment += 1
        if why is not None:
            setattr(excluded, why, getattr(excluded, why) + 1)
            continue
        if person.member_id not in devices:
            excluded.no_device += 1
            continue
        at = early_access_send_at(send_at, person.facts.tier_code, early_tiers, lead)
        state = rules.MemberPushState(True, True, sent.get(person.member_id, []))
        if rules.decide("campaign", at, state, policy).reason == "weekly_cap":
            excluded.weekly_cap += 1
            continue
        reached += 1
        early_reached += at < send_at
    first = _first_send(send_at, policy)
    early = EarlyReach(early_reached, _first_send(send_at - lead, policy)) if early_tiers and lead else None
    return Reach(
        in_segment=in_segment,
        reach=reached,
        excluded=excluded,
        send_at=first,
        moved_by_quiet_hours=first != send_at,
        early=early,
    )
