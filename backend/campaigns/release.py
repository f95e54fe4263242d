"""Releasing a due campaign into the outbox: one notification per recipient, in their language, due at
their tier's send time, naming the campaign's channel choice. The fan-out takes it from there (the
channel, consent, cap and quiet hours are decided again when each one is due)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import msgspec

from backend.campaigns import audience
from backend.campaigns.schemas import SegmentIn
from backend.campaigns.service import segment_of
from backend.campaigns.tables import Campaign
from backend.context import AppContext
from backend.db import write_transaction
from backend.push.tables import Notification
from digital_stampcard.campaigns import Message, Target, navigate_for, stored_target
from digital_stampcard.channels import Choice, stored_choice
from digital_stampcard.notifications import dedupe_key
from digital_stampcard.segments import early_access_send_at, uses_history

CHUNK = 500  # rows per INSERT
log = logging.getLogger("stampcard.campaigns")


async def release_due(ctx: AppContext, now: datetime) -> int:
    """Releases every campaign whose (early) send time has come. Safe from several workers at once:
    the status change from "scheduled" claims a campaign, and the outbox's dedupe key holds anyway."""
    due = await Campaign.select(Campaign.id).where((Campaign.status == "scheduled") & (Campaign.release_at <= now))
    released = 0
    for row in due:
        try:
            released += await _release(ctx, row["id"], now)
        except Exception:  # one campaign that cannot be released must not hold up every other push
            log.exception("campaign %s could not be released; it stays scheduled", row["id"])
    return released


async def _release(ctx: AppContext, campaign_id: int, now: datetime) -> int:
    async with write_transaction(ctx.engine):
        claimed = (
            await Campaign.update({Campaign.status: "released", Campaign.released_at: now})
            .where((Campaign.id == campaign_id) & (Campaign.status == "scheduled"))
            .returning(Campaign.id)
        )
        if not claimed:  # another worker has it, or the owner cancelled it
            return 0
        campaign = await Campaign.objects().where(Campaign.id == campaign_id).output(load_json=True).first()
        assert campaign is not None
        segment = segment_of(msgspec.convert(campaign.segment or {}, SegmentIn))
        message = Message(
            title=campaign.title, body=campaign.body, title_en=campaign.title_en, body_en=campaign.body_en
        )
        lead = timedelta(minutes=campaign.early_lead_minutes)
        # Members with a channel that reaches them; the fan-out checks channel, consent and the cap again.
        choice = stored_choice(campaign.channel)
        people = audience.recipients(segment, choice, await audience.candidates(ctx, now))
        rows = [
            campaign_notification(
                campaign_id,
                stored_target(campaign.target),
                choice,
                message,
                person.member_id,
                person.lang,
                personalised=uses_history(segment),
                now=now,
                due_at=early_access_send_at(campaign.send_at, person.facts.tier_code, campaign.early_tiers, lead),
            )
            for person in people
        ]
        for start in range(0, len(rows), CHUNK):
            await Notification.insert(*rows[start : start + CHUNK]).on_conflict(
                target=Notification.dedupe_key, action="DO NOTHING"
            )
    return 1


def campaign_notification(
    campaign_id: int,
    target: Target,
    choice: Choice,
    message: Message,
    member_id: int,
    lang: str,
    *,
    personalised: bool,
    now: datetime,
    due_at: datetime,
) -> Notification:
    """One member's outbox row for a campaign, in their language. `personalised`: the campaign picked
    them by their history, so the dispatcher checks the analysis consent again at send time."""
    title, body = message.for_lang(lang)
    return Notification(
        member=member_id,
        kind="campaign",
        dedupe_key=dedupe_key("campaign", member_id, campaign_id),
        data={
            "title": title,
            "body": body,
            "navigate": navigate_for(target, campaign_id),
            "campaign_id": campaign_id,
            "personalised": personalised,
            "channel": choice,
        },
        campaign=campaign_id,
        created_at=now,
        due_at=due_at,
    )
