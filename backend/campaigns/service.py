"""The owner's campaigns: check and store them, show reach before sending, and the numbers after."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, get_args

import msgspec

from backend.accounts.tables import StaffAccount
from backend.campaigns import audience, channel_texts
from backend.campaigns.reachability import available_channels
from backend.campaigns.schemas import (
    AudienceIn,
    CampaignFigures,
    CampaignIn,
    CampaignOptions,
    CampaignOut,
    CampaignStats,
    ChannelOptions,
    ChannelStats,
    EarlyAccessIn,
    EmailPreview,
    InterestOption,
    Limits,
    MemberFigures,
    MessageIn,
    MessagePreviewIn,
    MessagePreviewOut,
    OfferOut,
    OverviewOut,
    OwnerOut,
    PolicyOut,
    SegmentIn,
    SmsPreviewOut,
    StoreOption,
    TierOption,
)
from backend.campaigns.tables import Campaign
from backend.cards.programs import tier_ladder
from backend.club.service import get_club, interest_codes
from backend.club.tables import Store
from backend.context import Actor, AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from backend.db import write_transaction
from backend.members.tables import ConsentEvent, Member
from backend.push.tables import MessageDelivery, Notification, PushDelivery, PushSubscription
from digital_stampcard import campaigns as rules
from digital_stampcard.channels import CHANNELS, CHOICES, stored_choice
from digital_stampcard.clock import OSLO
from digital_stampcard.errors import DomainError
from digital_stampcard.segments import Segment, check_visit_range


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=OSLO)


async def to_segment(data: SegmentIn) -> Segment:
    """The owner's filters as a domain segment, with every code checked against the club."""
    if data.tiers is not None:
        known = {t.code for t in await tier_ladder()}
        _only_known(data.tiers, known, "tiers", "campaign_unknown_tier", "That tier does not exist.")
    if data.interests_any is not None:
        known = set(interest_codes(await get_club()))
        _only_known(data.interests_any, known, "interests_any", "campaign_unknown_interest", "Unknown interest.")
    if data.favourite_store_id is not None and not await Store.exists().where(Store.id == data.favourite_store_id):
        raise DomainError("campaign_unknown_store", "That store does not exist.", field="favourite_store_id")
    check_visit_range(data.last_visit_after, data.last_visit_before)
    return segment_of(data)


def segment_of(data: SegmentIn) -> Segment:
    """The stored filters as a domain segment, unchecked (a campaign keeps what it was planned with)."""
    before, after = data.last_visit_before, data.last_visit_after
    return Segment(
        tiers=data.tiers,
        last_visit_before=_day_start(before) if before else None,
        last_visit_after=_day_start(after) if after else None,
        birthday_month=data.birthday_month,
        interests_any=data.interests_any,
        favourite_store_id=data.favourite_store_id,
        has_active_reward=data.has_active_reward,
    )


def _only_known(codes: list[str], known: set[str], field: str, code: str, detail: str) -> None:
    unknown = sorted(set(codes) - known)
    if unknown:
        raise DomainError(code, detail, field=field, unknown=unknown)


async def _early(data: EarlyAccessIn | None) -> tuple[list[str], timedelta]:
    if data is None:
        return [], timedelta(0)
    known = {t.code for t in await tier_ladder()}
    _only_known(data.tiers, known, "early_access", "campaign_unknown_tier", "That tier does not exist.")
    return sorted(set(data.tiers)), timedelta(minutes=data.lead_minutes)


async def options(ctx: AppContext) -> CampaignOptions:
    club = await get_club()
    stores = await Store.select(Store.id, Store.name).order_by(Store.name)
    policy = ctx.push_policy
    return CampaignOptions(
        tiers=[TierOption(t.code, t.name_nb, t.name_en, t.early_access_minutes) for t in await tier_ladder()],
        interests=[InterestOption(i["code"], i["label_nb"], i["label_en"]) for i in club.interests],
        stores=[StoreOption(s["id"], s["name"]) for s in stores],
        targets=list(get_args(rules.Target)),
        limits=Limits(rules.TITLE_MAX, rules.BODY_MAX),
        policy=PolicyOut(
            policy.marketing_per_week,
            policy.quiet_start.strftime("%H:%M"),
            policy.quiet_end.strftime("%H:%M"),
            policy.timezone,
        ),
        channels=ChannelOptions(
            choices=list(CHOICES),
            available=[c for c in CHANNELS if c in available_channels(ctx)],
            sms_nok_per_segment=ctx.settings.sms_price_nok_per_segment,
            club_name=club.name,
        ),
    )


async def sms_segments_by_lang(ctx: AppContext, message: MessageIn) -> dict[str, int] | None:
    """Segments of one campaign SMS per language (the opt-out link included), for the cost estimate;
    None while the texts are not complete yet (the owner is still typing)."""
    club = await get_club()
    try:
        clean = rules.clean_message(message.title, message.body, message.title_en, message.body_en)
    except DomainError:
        return None
    texts = {"nb": clean.for_lang("nb"), "en": clean.for_lang("en")}
    return {
        lang: channel_texts.sms_preview(ctx.settings, club.name, lang, title, body).segments
        for lang, (title, body) in texts.items()
    }


async def message_preview(ctx: AppContext, data: MessagePreviewIn) -> MessagePreviewOut:
    """The SMS with its segment count and cost, and the e-mail as a phone shows it, in one language."""
    club = await get_club()
    sms = channel_texts.sms_preview(ctx.settings, club.name, data.lang, data.title, data.body)
    mail = channel_texts.email_preview(ctx.settings, club.name, data.lang, data.title, data.body)
    return MessagePreviewOut(
        sms=SmsPreviewOut(
            text=sms.text,
            segments=sms.segments,
            encoding=sms.encoding,
            units=sms.units,
            cost_nok=round(sms.segments * ctx.settings.sms_price_nok_per_segment, 2),
        ),
        email=EmailPreview(subject=mail.subject, html=mail.html, text=mail.text),
    )


async def preview(ctx: AppContext, data: AudienceIn) -> audience.Reach:
    now = ctx.clock.now()
    segment = await to_segment(data.segment)
    tiers, lead = await _early(data.early_access)
    plan = rules.schedule(data.send_at, lead, now)
    segments = None
    if data.message is not None and data.channel in ("sms", "best"):
        segments = await sms_segments_by_lang(ctx, data.message)
    return await audience.preview(ctx, segment, data.channel, plan.send_at, tiers, lead, now, segments)


async def create(ctx: AppContext, owner: Actor, data: CampaignIn, key: str | None) -> StoredResponse:
    """Stored once per Idempotency-Key: a double tap on "Send" never makes two campaigns."""
    now = ctx.clock.now()
    message = rules.clean_message(data.title, data.body, data.title_en, data.body_en)
    await to_segment(data.segment)
    tiers, lead = await _early(data.early_access)
    plan = rules.schedule(data.send_at, lead, now)

    async def store() -> CampaignOut:
        [row] = await Campaign.insert(
            Campaign(
                title=message.title,
                body=message.body,
                title_en=message.title_en,
                body_en=message.body_en,
                target=data.target,
                channel=data.channel,
                segment=msgspec.json.decode(msgspec.json.encode(data.segment)),
                send_at=plan.send_at,
                early_tiers=tiers,
                early_lead_minutes=int(lead.total_seconds() // 60),
                release_at=plan.release_at,
                created_by=owner.staff_id,
                created_at=now,
            )
        ).returning(Campaign.id)
        return await get_campaign(row["id"])

    return await run_idempotent(ctx, f"campaign:{owner.staff_id}", key, data, store, status=201)


async def cancel(ctx: AppContext, campaign_id: int) -> CampaignOut:
    """Stops a campaign: a scheduled one entirely; a released one (early access, quiet hours, retries)
    for everyone who has not had it yet. One that has fully gone out answers 409."""
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        row = await _row(campaign_id)
        if row["status"] == "released" and not await _stop_unsent(campaign_id):
            raise DomainError(
                "campaign_already_sent", "This campaign has already gone out to everyone.", kind="conflict"
            )
        await Campaign.update({Campaign.status: "cancelled", Campaign.cancelled_at: now}).where(
            (Campaign.id == campaign_id) & Campaign.status.is_in(["scheduled", "released"])
        )
    return await get_campaign(campaign_id)


async def _stop_unsent(campaign_id: int) -> int:
    """Messages of a released campaign that have not gone out are stopped. Returns how many."""
    notes = (
        await Notification.update({Notification.status: "skipped", Notification.skip_reason: "cancelled"})
        .where((Notification.campaign == campaign_id) & (Notification.status == "pending"))
        .returning(Notification.id)
    )
    deliveries = await PushDelivery.raw(
        "UPDATE push_delivery SET status = 'withdrawn', last_error = 'campaign cancelled' "
        "WHERE status = 'pending' AND notification IN (SELECT id FROM notification WHERE campaign = {}) "
        "RETURNING id",
        campaign_id,
    )
    messages = await MessageDelivery.raw(
        "UPDATE message_delivery SET status = 'withdrawn', last_error = 'campaign cancelled' "
        "WHERE status = 'pending' AND notification IN (SELECT id FROM notification WHERE campaign = {}) "
        "RETURNING id",
        campaign_id,
    )
    return len(notes) + len(deliveries) + len(messages)


async def _row(campaign_id: int) -> dict[str, Any]:
    row = await Campaign.select().where(Campaign.id == campaign_id).output(load_json=True).first()
    if row is None:
        raise DomainError("campaign_not_found", "There is no such campaign.", kind="not_found")
    return row


async def get_campaign(campaign_id: int) -> CampaignOut:
    row = await _row(campaign_id)
    return _out(row, (await stats_for([campaign_id]))[campaign_id])


async def list_campaigns(limit: int = 100) -> list[CampaignOut]:
    rows = await Campaign.select().order_by(Campaign.id, ascending=False).limit(limit).output(load_json=True)
    stats = await stats_for([r["id"] for r in rows])
    return [_out(r, stats[r["id"]]) for r in rows]


def _out(row: dict[str, Any], stats: CampaignStats) -> CampaignOut:
    early = None
    if row["early_tiers"] and row["early_lead_minutes"]:
        early = EarlyAccessIn(list(row["early_tiers"]), row["early_lead_minutes"])
    return CampaignOut(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        title_en=row["title_en"],
        body_en=row["body_en"],
        target=row["target"],
        segment=msgspec.convert(row["segment"] or {}, SegmentIn),
        send_at=row["send_at"],
        early_access=early,
        channel=stored_choice(row["channel"]),
        status=rules.status_of(str(row["status"]), stats.pending),
        created_at=row["created_at"],
        released_at=row["released_at"],
        stats=stats,
    )


async def stats_for(campaign_ids: list[int]) -> dict[int, CampaignStats]:
    """Two grouped queries for any number of campaigns: the outbox rows and their deliveries."""
    stats: dict[int, CampaignStats] = defaultdict(CampaignStats)
    if not campaign_ids:
        return stats
    placeholders = ", ".join("{}" for _ in campaign_ids)
    notes = await Notification.raw(
        "SELECT campaign, status, COUNT(*) AS total FROM notification "
        f"WHERE campaign IN ({placeholders}) GROUP BY campaign, status",
        *campaign_ids,
    )
    for row in notes:
        s = stats[row["campaign"]]
        s.recipients += row["total"]
        if row["status"] == "skipped":
            s.skipped += row["total"]
        elif row["status"] == "pending":  # waiting for its send time (early access, quiet hours)
            s.pending += row["total"]
    rows = await Notification.raw(
        "SELECT n.campaign AS campaign, d.status AS status, COUNT(*) AS total, "
        "COUNT(d.received_at) AS received, COUNT(d.opened_at) AS opened "
        "FROM push_delivery d JOIN notification n ON n.id = d.notification "
        f"WHERE n.campaign IN ({placeholders}) GROUP BY n.campaign, d.status",
        *campaign_ids,
    )
    for row in rows:
        s = stats[row["campaign"]]
        s.devices += row["total"]
        s.delivered += row["received"]
        s.clicked += row["opened"]
        if row["status"] == "sent":
            s.sent += row["total"]
        elif row["status"] in ("failed", "gone"):
            s.failed += row["total"]
        elif row["status"] in ("pending", "sending"):
            s.pending += row["total"]
        # "withdrawn": the member said no to offers before it went out; neither sent nor failed
    await _channel_stats(stats, campaign_ids, placeholders)
    return stats


async def _channel_stats(stats: dict[int, CampaignStats], campaign_ids: list[int], placeholders: str) -> None:
    """The e-mails and SMS: one grouped query, SMS delivery reports joined by reference, and one for
    the opt-outs that came through each campaign's links."""
    rows = await Notification.raw(
        "SELECT n.campaign AS campaign, d.channel AS channel, d.status AS status, COUNT(*) AS total, "
        "COUNT(CASE WHEN s.status = 'delivered' THEN 1 END) AS delivered "
        "FROM message_delivery d JOIN notification n ON n.id = d.notification "
        "LEFT JOIN sms_message s ON s.reference = d.reference "
        f"WHERE n.campaign IN ({placeholders}) GROUP BY n.campaign, d.channel, d.status",
        *campaign_ids,
    )
    for row in rows:
        s = stats[row["campaign"]]
        channel: ChannelStats = getattr(s, row["channel"])
        channel.addressed += row["total"]
        channel.delivered += row["delivered"]
        status = row["status"]
        if status in ("pending", "sending"):
            channel.pending += row["total"]
            s.pending += row["total"]
        elif status in ("sent", "failed", "bounced", "withdrawn"):
            setattr(channel, status, getattr(channel, status) + row["total"])
    sources = {f"opt_out_link:campaign:{c}": c for c in campaign_ids}
    opt_outs = await ConsentEvent.raw(
        "SELECT source, purpose, COUNT(DISTINCT member) AS total FROM consent_event "
        f"WHERE granted = {{}} AND source IN ({', '.join('{}' for _ in sources)}) GROUP BY source, purpose",
        False,
        *sources,
    )
    by_purpose = {"marketing_email": "email", "marketing_sms": "sms"}
    for row in opt_outs:
        if name := by_purpose.get(row["purpose"]):
            getattr(stats[sources[row["source"]]], name).opted_out += row["total"]


async def overview(ctx: AppContext, owner: Actor) -> OverviewOut:
    account = await StaffAccount.objects().where(StaffAccount.id == owner.staff_id).first()
    reach = await preview(ctx, AudienceIn())
    with_devices = (
        await PushSubscription.select(PushSubscription.member).where(PushSubscription.flagged_at.is_null()).distinct()
    )
    recent = await list_campaigns(limit=1)
    return OverviewOut(
        owner=OwnerOut(account.name if account else ""),
        members=MemberFigures(total=await Member.count(), push_devices=len(with_devices), offers_reachable=reach.reach),
        campaigns=CampaignFigures(
            scheduled=await Campaign.count().where(Campaign.status == "scheduled"),
            last=recent[0] if recent else None,
        ),
    )


async def offer_for(member: Member, campaign_id: int) -> OfferOut:
    """A member sees a campaign they were sent, in their language; anyone else gets a 404."""
    note = (
        await Notification.select(Notification.data, Notification.due_at)
        .where(
            (Notification.campaign == campaign_id)
            & (Notification.member == member.id)
            & (Notification.status == "expanded")
        )
        .output(load_json=True)
        .first()
    )
    row = await Campaign.select(Campaign.target).where(Campaign.id == campaign_id).first()
    if note is None or row is None:
        raise DomainError("offer_not_found", "This offer is not available.", kind="not_found")
    data = note["data"] or {}
    return OfferOut(campaign_id, data.get("title", ""), data.get("body", ""), note["due_at"], row["target"])
