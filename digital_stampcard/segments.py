"""Campaign targeting: which members a campaign reaches, and when higher tiers get it.

Filters are optional and combine with AND; an empty segment reaches every member who allows
marketing by the campaign's channel. An empty list (`tiers=[]`, `interests_any=[]`) matches nobody.

Consent (markedsføringsloven §15, GDPR, Datatilsynet on kundeklubber):

- A campaign only ever reaches members with the marketing consent of a channel it may go by
  (`marketing_consent`: the caller decides it per channel with `digital_stampcard.channels`).
- Filters on *personal data used to personalise offers* need the separate analysis/personalised-offer
  consent (`analysis_consent`): last visit (purchase history), active reward (history), interests
  and favourite store (preferences the member stated; picking recipients by them is profiling).
  A member without that consent is simply never matched by such a segment and keeps everything else.
- Tier and birthday month don't need it: tiers are a club benefit (early access to campaigns is one
  of them) and the birthday is held for the birthday reward.
- A member who has never visited (`last_visit_at` is None) matches neither last-visit filter.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

import msgspec

from digital_stampcard.errors import DomainError


class Segment(msgspec.Struct, frozen=True, kw_only=True):
    tiers: list[str] | None = None
    last_visit_before: datetime | None = None  # last visit strictly before this instant
    last_visit_after: datetime | None = None  # last visit at or after this instant
    birthday_month: int | None = None  # 1-12
    interests_any: list[str] | None = None
    favourite_store_id: int | None = None
    has_active_reward: bool | None = None

    def __post_init__(self) -> None:
        if self.birthday_month is not None and not 1 <= self.birthday_month <= 12:
            raise ValueError("birthday_month must be 1-12")
        for moment in (self.last_visit_before, self.last_visit_after):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError("segment times must be timezone-aware")


class MemberFacts(msgspec.Struct, frozen=True, kw_only=True):
    tier_code: str
    last_visit_at: datetime | None = None
    birthday: date | None = None
    interests: list[str] = msgspec.field(default_factory=list)
    favourite_store_id: int | None = None
    has_active_reward: bool = False
    analysis_consent: bool = False  # personalised offers / analysis, from the consent ledger
    marketing_consent: bool = False  # for a channel the campaign may go by


def check_visit_range(last_visit_after: date | None, last_visit_before: date | None) -> None:
    """ "Last visit after" must come before "last visit before", or the segment reaches nobody."""
    if last_visit_before is not None and last_visit_after is not None and last_visit_after >= last_visit_before:
        raise DomainError(
            "campaign_visit_range_empty",
            "“Last visit after” must be earlier than “last visit before”, or nobody matches.",
            field="last_visit_after",
        )


def uses_history(segment: Segment) -> bool:
    """True when the segment filters on data that needs the analysis consent (see the module doc)."""
    return (
        segment.last_visit_before is not None
        or segment.last_visit_after is not None
        or segment.interests_any is not None
        or segment.favourite_store_id is not None
        or segment.has_active_reward is not None
    )


Exclusion = Literal["outside_segment", "no_marketing_consent", "no_analysis_consent"]


def exclusion(segment: Segment, facts: MemberFacts) -> Exclusion | None:
    """Why a member is not reached, or None when the campaign reaches them.

    Tier and birthday month are checked first (club data), then the consents; the filters on
    history are only looked at for members who gave the analysis consent."""
    month = facts.birthday.month if facts.birthday is not None else None
    if segment.tiers is not None and facts.tier_code not in segment.tiers:
        return "outside_segment"
    if segment.birthday_month is not None and month != segment.birthday_month:
        return "outside_segment"
    if not facts.marketing_consent:
        return "no_marketing_consent"
    if not uses_history(segment):
        return None
    if not facts.analysis_consent:
        return "no_analysis_consent"
    return None if _history_matches(segment, facts) else "outside_segment"


def _history_matches(segment: Segment, facts: MemberFacts) -> bool:
    last = facts.last_visit_at
    if segment.last_visit_before is not None and (last is None or not last < segment.last_visit_before):
        return False
    if segment.last_visit_after is not None and (last is None or not last >= segment.last_visit_after):
        return False
    if segment.interests_any is not None and not set(segment.interests_any) & set(facts.interests):
        return False
    if segment.favourite_store_id is not None and facts.favourite_store_id != segment.favourite_store_id:
        return False
    return segment.has_active_reward is None or facts.has_active_reward == segment.has_active_reward


def matches(segment: Segment, facts: MemberFacts) -> bool:
    return exclusion(segment, facts) is None


def early_access_send_at(base_send_at: datetime, tier_code: str, early_tiers: list[str], lead: timedelta) -> datetime:
    """Members of `early_tiers` get the campaign `lead` earlier. Quiet hours still apply afterwards
    (notifications.decide defers a night-time send to the morning), so keep the lead short enough
    that the early send stays out of the night, or the head start is lost."""
    if lead < timedelta(0):
        raise ValueError("the early-access lead cannot be negative")
    return base_send_at - lead if tier_code in early_tiers else base_send_at
