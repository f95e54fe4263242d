"""Who a campaign reaches: every member's facts loaded in a few bulk queries, judged by the pure
rules (segment, consents per channel, devices and addresses, the weekly cap). Used for the reach
preview and at release."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from backend.campaigns.reachability import reachability
from backend.cards.tables import Reward
from backend.context import AppContext
from backend.members.tables import Member
from backend.push.tables import Notification
from digital_stampcard import channels
from digital_stampcard import notifications as rules
from digital_stampcard.segments import MemberFacts, Segment, early_access_send_at, exclusion


class Candidate(msgspec.Struct, frozen=True):
    member_id: int
    lang: str
    facts: MemberFacts  # marketing_consent is decided per campaign channel (see `judge`)
    reach: channels.Reachable


class Excluded(msgspec.Struct):
    no_marketing_consent: int = 0
    no_analysis_consent: int = 0
    no_device: int = 0  # push only: no phone that takes pushes
    no_address: int = 0  # e-mail or SMS: no address (or one that bounced) on a channel they said yes to
    weekly_cap: int = 0


class ByChannel(msgspec.Struct):
    push: int = 0
    email: int = 0
    sms: int = 0


class SmsEstimate(msgspec.Struct, kw_only=True):
    messages: int
    segments: int
    cost_nok: float
    nok_per_segment: float


class Reach(msgspec.Struct, kw_only=True):
    in_segment: int  # members the filters pick (consent or not)
    reach: int  # members who will get it
    excluded: Excluded
    send_at: datetime  # when the others get it, moved out of quiet hours
    moved_by_quiet_hours: bool
    early: EarlyReach | None = None
    by_channel: ByChannel = msgspec.field(default_factory=ByChannel)
    sms: SmsEstimate | None = None  # when some of it goes by SMS and the texts are given


class EarlyReach(msgspec.Struct):
    reach: int
    send_at: datetime


class Judged(msgspec.Struct, frozen=True):
    why_not: str | None  # an Excluded field, "outside_segment", or None: reached
    channel: channels.Channel | None = None


def judge(segment: Segment, choice: channels.Choice, person: Candidate) -> Judged:
    """In the segment, with the consent of a channel the campaign may use, and an address on it."""
    pick = channels.pick("campaign", choice, person.reach)
    facts = msgspec.structs.replace(person.facts, marketing_consent=pick.reason != "no_consent")
    why = exclusion(segment, facts)
    if why is not None:
        return Judged(why)
    if pick.channel is None:
        return Judged("no_device" if choice == "push" else "no_address")
    return Judged(None, pick.channel)


async def candidates(ctx: AppContext, now: datetime) -> list[Candidate]:
    """Every member with what segments and channels look at. Five queries, whatever the club's size."""
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
    reach, given = await reachability(ctx, None)
    rewarded = {
        r["member"]
        for r in await Reward.select(Reward.member).where((Reward.status == "active") & (Reward.expires_at > now))
    }
    nobody = channels.Reachable(push_device=False, email=False, phone=False)
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
                analysis_consent=given.get(m["id"], {}).get("analysis", False),
            ),
            reach.get(m["id"], nobody),
        )
        for m in members
    ]


def recipients(segment: Segment, choice: channels.Choice, people: Iterable[Candidate]) -> list[Candidate]:
    """The members the campaign is written for: in the segment, with a channel it may reach them by."""
    return [c for c in people if judge(segment, choice, c).why_not is None]


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
    ctx: AppContext,
    segment: Segment,
    choice: channels.Choice,
    send_at: datetime,
    early_tiers: list[str],
    lead: timedelta,
    now: datetime,
    sms_segments: dict[str, int] | None = None,
) -> Reach:
    """What the owner sees before sending: how many get it by each channel, why the others don't,
    and what the SMS cost when `sms_segments` (segments per message, by language) is given."""
    policy = ctx.push_policy
    people = await candidates(ctx, now)
    sent = await _marketing_times(send_at)
    excluded, by_channel = Excluded(), ByChannel()
    sms_by_lang: dict[str, int] = defaultdict(int)
    in_segment = reached = early_reached = 0
    for person in people:
        judged = judge(segment, choice, person)
        if judged.why_not == "outside_segment":
            continue
        in_segment += 1
        if judged.why_not is not None:
            setattr(excluded, judged.why_not, getattr(excluded, judged.why_not) + 1)
            continue
        at = early_access_send_at(send_at, person.facts.tier_code, early_tiers, lead)
        state = rules.MemberPushState(True, True, sent.get(person.member_id, []))
        if rules.decide("campaign", at, state, policy).reason == "weekly_cap":
            excluded.weekly_cap += 1
            continue
        reached += 1
        early_reached += at < send_at
        assert judged.channel is not None
        setattr(by_channel, judged.channel, getattr(by_channel, judged.channel) + 1)
        if judged.channel == "sms":
            sms_by_lang["en" if person.lang == "en" else "nb"] += 1
    first = _first_send(send_at, policy)
    early = EarlyReach(early_reached, _first_send(send_at - lead, policy)) if early_tiers and lead else None
    price = ctx.settings.sms_price_nok_per_segment
    cost = channels.sms_cost(sms_segments, sms_by_lang, price) if sms_segments is not None else None
    return Reach(
        in_segment=in_segment,
        reach=reached,
        excluded=excluded,
        send_at=first,
        moved_by_quiet_hours=first != send_at,
        early=early,
        by_channel=by_channel,
        sms=SmsEstimate(messages=cost.messages, segments=cost.segments, cost_nok=cost.nok, nok_per_segment=price)
        if cost is not None
        else None,
    )
