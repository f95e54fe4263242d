"""Members' push subscriptions and their notification settings."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from piccolo.columns import Column

from backend.context import AppContext
from backend.db import write_transaction
from backend.members.locking import lock_member
from backend.members.registry import current_consents, record_consent_change
from backend.members.tables import Member
from backend.push.tables import PushSubscription
from digital_stampcard.errors import DomainError


class SubscriptionKeys(msgspec.Struct):
    p256dh: Annotated[str, msgspec.Meta(min_length=20, max_length=200)]
    auth: Annotated[str, msgspec.Meta(min_length=8, max_length=64)]


class SubscriptionIn(msgspec.Struct):
    endpoint: Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]
    keys: SubscriptionKeys
    key_id: Annotated[str, msgspec.Meta(max_length=32)] = ""


class UnsubscribeIn(msgspec.Struct):
    endpoint: Annotated[str, msgspec.Meta(max_length=1000)]


class PushSettings(msgspec.Struct):
    service: bool
    offers: bool
    personalised: bool  # offers picked by the member's visits and interests (the "analysis" consent)
    devices: int = 0


class PushSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    service: bool | None = None
    offers: bool | None = None
    personalised: bool | None = None


async def upsert(ctx: AppContext, member_id: int, data: SubscriptionIn, user_agent: str) -> None:
    """Called on every app open: one row per endpoint, moved to whoever is logged in on that browser."""
    if not data.endpoint.startswith("https://") and not ctx.settings.dev_tools_enabled:
        raise DomainError("validation_error", "A push endpoint must be an https:// URL.")
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        existing = await PushSubscription.objects().where(PushSubscription.endpoint == data.endpoint).first()
        values: dict[Column | str, Any] = {
            PushSubscription.member: member_id,
            PushSubscription.p256dh: data.keys.p256dh,
            PushSubscription.auth: data.keys.auth,
            PushSubscription.vapid_key_id: data.key_id,
            PushSubscription.user_agent: user_agent[:200],
            PushSubscription.last_seen_at: now,
            PushSubscription.flagged_at: None,
            PushSubscription.flag_reason: None,
        }
        if existing is None:
            await PushSubscription.insert(
                PushSubscription(
                    member=member_id,
                    endpoint=data.endpoint,
                    p256dh=data.keys.p256dh,
                    auth=data.keys.auth,
                    vapid_key_id=data.key_id,
                    user_agent=user_agent[:200],
                    created_at=now,
                    last_seen_at=now,
                )
            )
        else:
            await PushSubscription.update(values).where(PushSubscription.id == existing.id)


async def remove(ctx: AppContext, member_id: int, endpoint: str) -> None:
    await PushSubscription.delete().where(
        (PushSubscription.endpoint == endpoint) & (PushSubscription.member == member_id)
    )


async def settings_of(member: Member) -> PushSettings:
    consents = await current_consents(member.id)
    devices = await PushSubscription.count().where(
        (PushSubscription.member == member.id) & PushSubscription.flagged_at.is_null()
    )
    return PushSettings(
        member.push_service_enabled, consents.get("marketing_push", False), consents.get("analysis", False), devices
    )


async def change_settings(ctx: AppContext, member_id: int, data: PushSettingsIn) -> PushSettings:
    """Offers are the push marketing consent itself and personalised offers the analysis consent:
    turning either off is a withdrawal in the ledger, and campaigns respect it from then on."""
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        member = await lock_member(ctx.engine, member_id)
        if data.service is not None:
            await Member.update({Member.push_service_enabled: data.service}).where(Member.id == member_id)
            member.push_service_enabled = data.service
        if data.offers is not None:
            await record_consent_change(member_id, "marketing_push", data.offers, "push_settings", now)
        if data.personalised is not None:
            await record_consent_change(member_id, "analysis", data.personalised, "push_settings", now)
    return await settings_of(member)
