"""What the dashboard API gives: every figure and series for one period in one document."""

from __future__ import annotations

from datetime import date, datetime

import msgspec


class PeriodOut(msgspec.Struct):
    from_: date = msgspec.field(name="from")
    to: date
    days: int


class WeekPoint(msgspec.Struct):
    week: date  # the Monday (Oslo)
    new: int
    total: int  # members at the end of that week


class MembersOut(msgspec.Struct):
    total: int  # at the end of the period
    new: int
    weekly: list[WeekPoint]


class StoreCount(msgspec.Struct):
    store_id: int | None  # None: joined without a store poster
    store: str
    count: int


class SourceCount(msgspec.Struct):
    source: str  # poster | staff | referral | direct
    count: int


class SignupsOut(msgspec.Struct):
    by_store: list[StoreCount]
    by_source: list[SourceCount]
    referral_tracked: bool = True  # members who joined through a member's link count as "referral"


class ActivityOut(msgspec.Struct):
    active_30d: int  # members with a stamp in the 30 days up to the period's end
    active_90d: int
    visitors: int  # members with a stamp in the period
    repeat_visitors: int  # ... with two or more
    repeat_visit_rate: float | None
    visits: int  # stamp entries (one per till scan) in the period
    avg_visits_per_active: float | None


class DayStamps(msgspec.Struct):
    day: date
    stamps: int


class StampsOut(msgspec.Struct):
    total: int
    daily: list[DayStamps]


class RewardDay(msgspec.Struct):
    day: date
    issued: int
    redeemed: int
    expired: int


class RewardsOut(msgspec.Struct):
    issued: int
    redeemed: int
    expired: int
    redemption_rate: float | None  # redeemed / (redeemed + expired)
    daily: list[RewardDay]


class TierCount(msgspec.Struct):
    code: str
    name_nb: str
    name_en: str
    count: int


class PushOut(msgspec.Struct):
    members: int
    push_members: int  # members with at least one working push subscription
    push_opt_in_rate: float | None
    offers_consent: int  # members whose latest marketing_push consent is a yes
    offers_consent_rate: float | None


class CampaignRow(msgspec.Struct):
    id: int
    title: str
    released_at: datetime
    recipients: int
    delivered: int
    clicked: int
    click_rate: float | None  # clicked / delivered


class WinbackOut(msgspec.Struct):
    window_days: int
    messaged: int  # members whose "vi savner deg" push was sent in the period
    won_back: int  # ... and who visited within window_days after it
    rate: float | None


class DashboardOut(msgspec.Struct):
    period: PeriodOut
    as_of: datetime
    members: MembersOut
    signups: SignupsOut
    activity: ActivityOut
    stamps: StampsOut
    rewards: RewardsOut
    tiers: list[TierCount]
    push: PushOut
    campaigns: list[CampaignRow]
    winback: WinbackOut
