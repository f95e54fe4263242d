"""What the campaign API takes and gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from digital_stampcard.campaigns import Status, Target
from digital_stampcard.channels import Channel, Choice

Code = Annotated[str, msgspec.Meta(max_length=40)]
Text = Annotated[str, msgspec.Meta(max_length=1000)]  # the real limits are checked with friendly errors


class SegmentIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Empty filters pick everyone. Dates are calendar days in Europe/Oslo: "before" means before
    that day starts, "after" means on that day or later."""

    tiers: Annotated[list[Code], msgspec.Meta(max_length=20)] | None = None
    last_visit_before: date | None = None
    last_visit_after: date | None = None
    birthday_month: Annotated[int, msgspec.Meta(ge=1, le=12)] | None = None
    interests_any: Annotated[list[Code], msgspec.Meta(max_length=50)] | None = None
    favourite_store_id: int | None = None
    has_active_reward: bool | None = None


class EarlyAccessIn(msgspec.Struct, forbid_unknown_fields=True):
    """These tiers get the campaign `lead_minutes` before everyone else."""

    tiers: Annotated[list[Code], msgspec.Meta(min_length=1, max_length=20)]
    lead_minutes: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 60)]


class MessageIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Text
    body: Text
    title_en: Text | None = None
    body_en: Text | None = None


class AudienceIn(msgspec.Struct, forbid_unknown_fields=True):
    segment: SegmentIn = msgspec.field(default_factory=SegmentIn)
    send_at: datetime | None = None  # None: now
    early_access: EarlyAccessIn | None = None
    channel: Choice = "push"
    message: MessageIn | None = None  # given: the preview counts what the SMS cost


class MessagePreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Text
    body: Text
    lang: Annotated[str, msgspec.Meta(pattern="^(nb|en)$")] = "nb"


class EmailPreview(msgspec.Struct, kw_only=True):
    subject: str
    html: str  # the HTML part, as a phone's mail app shows it
    text: str  # the plain-text part


class SmsPreviewOut(msgspec.Struct, kw_only=True):
    text: str
    segments: int
    encoding: str
    units: int
    cost_nok: float  # one message


class MessagePreviewOut(msgspec.Struct, kw_only=True):
    sms: SmsPreviewOut
    email: EmailPreview


class CampaignIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Text
    body: Text
    title_en: Text | None = None
    body_en: Text | None = None
    target: Target = "offer"
    segment: SegmentIn = msgspec.field(default_factory=SegmentIn)
    send_at: datetime | None = None  # None: now
    early_access: EarlyAccessIn | None = None
    channel: Choice = "push"  # best: push where subscribed, else e-mail, else SMS


class ChannelStats(msgspec.Struct):
    """E-mails or SMS of a campaign: one per member who got it by that channel."""

    addressed: int = 0
    sent: int = 0  # taken by the SMTP server or the SMS gateway
    delivered: int = 0  # SMS: the gateway's delivery report said so
    failed: int = 0
    bounced: int = 0  # e-mail: the address does not exist (campaigns skip it from now on)
    withdrawn: int = 0  # the member said no to offers by this channel before it went out
    pending: int = 0
    opted_out: int = 0  # members who used this campaign's opt-out link


class CampaignStats(msgspec.Struct):
    recipients: int = 0  # members written to the outbox
    skipped: int = 0  # of those, not pushed (no device, the weekly cap, consent withdrawn meanwhile)
    devices: int = 0  # pushes addressed, one per device
    sent: int = 0  # accepted by the push service
    delivered: int = 0  # reported by the phone's service worker
    failed: int = 0
    clicked: int = 0
    pending: int = 0
    email: ChannelStats = msgspec.field(default_factory=ChannelStats)
    sms: ChannelStats = msgspec.field(default_factory=ChannelStats)


class CampaignOut(msgspec.Struct):
    id: int
    title: str
    body: str
    title_en: str | None
    body_en: str | None
    target: Target
    segment: SegmentIn
    send_at: datetime
    early_access: EarlyAccessIn | None
    channel: Choice
    status: Status
    created_at: datetime
    released_at: datetime | None
    stats: CampaignStats


class CampaignList(msgspec.Struct):
    campaigns: list[CampaignOut]


class OwnerOut(msgspec.Struct):
    name: str


class MemberFigures(msgspec.Struct):
    total: int
    push_devices: int  # members with at least one phone that takes pushes
    offers_reachable: int  # of those, who an offer to everyone would reach now


class CampaignFigures(msgspec.Struct):
    scheduled: int
    last: CampaignOut | None


class OverviewOut(msgspec.Struct):
    owner: OwnerOut
    members: MemberFigures
    campaigns: CampaignFigures


class OfferOut(msgspec.Struct):
    id: int
    title: str
    body: str
    sent_at: datetime
    target: Target


class TierOption(msgspec.Struct):
    code: str
    name_nb: str
    name_en: str
    early_access_minutes: int = 0  # the tier's default head start (set in the tier editor)


class InterestOption(msgspec.Struct):
    code: str
    label_nb: str
    label_en: str


class StoreOption(msgspec.Struct):
    id: int
    name: str


class Limits(msgspec.Struct):
    title: int
    body: int


class PolicyOut(msgspec.Struct):
    marketing_per_week: int
    quiet_start: str  # "21:00", Europe/Oslo
    quiet_end: str
    timezone: str


class ChannelOptions(msgspec.Struct):
    choices: list[Choice]
    available: list[Channel]  # what this installation can send by (production needs SMTP and an SMS gateway)
    sms_nok_per_segment: float
    club_name: str


class CampaignOptions(msgspec.Struct):
    tiers: list[TierOption]
    interests: list[InterestOption]
    stores: list[StoreOption]
    targets: list[Target]
    limits: Limits
    policy: PolicyOut
    channels: ChannelOptions
