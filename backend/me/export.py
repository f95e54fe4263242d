"""A copy of everything we hold about a member (GDPR art. 15), as one JSON-ready dict, downloadable
at once from Min side."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.columns import Column
from piccolo.table import Table

from backend.accounts.tables import MemberPasskey, WebSession
from backend.cards.tables import Card, Reward
from backend.me.my_page import history
from backend.members.referrals import for_export as referrals_for_export
from backend.members.tables import ConsentEvent, Member, MemberDevice
from backend.points.tables import PointsEntry
from backend.prepaid.views import history as prepaid_history
from backend.push.tables import Notification, PushDelivery, PushSubscription

DELIVERY_FIELDS = ("status", "sent_at", "received_at", "opened_at")


async def _rows(table: type[Table], member_id: int, *columns: Column) -> list[dict[str, Any]]:
    """The member's rows of one table, oldest first, with only the columns worth giving back."""
    member_column = table._meta.get_column_by_name("member")
    return await table.select(*columns).where(member_column == member_id).order_by(table._meta.primary_key)


def _profile(member: Member) -> dict[str, Any]:
    return {
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


async def _notifications(member_id: int) -> list[dict[str, Any]]:
    """What was sent to the member's phones, each with how it went on each phone."""
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
        .where(Notification.member == member_id)
        .output(load_json=True)
        .order_by(Notification.id)
    )
    deliveries = await PushDelivery.select(
        PushDelivery.notification, *(getattr(PushDelivery, f) for f in DELIVERY_FIELDS)
    ).where(PushDelivery.notification.member == member_id)
    for n in notifications:
        n["deliveries"] = [{f: d[f] for f in DELIVERY_FIELDS} for d in deliveries if d["notification"] == n["id"]]
    return notifications


async def everything_about(member: Member, now: datetime) -> dict[str, Any]:
    """Everything we hold about the member. Left out are secrets that say nothing about the member: the
    push subscriptions' keys (the browser's, for the push service) and the passkeys' public keys."""
    m = member.id
    return {
        "exported_at": now,
        "about": "Alt Digital Stampcard har lagret om deg / everything we hold about you (GDPR art. 15)",
        "profile": _profile(member),
        "consents": await _rows(
            ConsentEvent,
            m,
            ConsentEvent.purpose,
            ConsentEvent.granted,
            ConsentEvent.text_version,
            ConsentEvent.source,
            ConsentEvent.created_at,
        ),
        "ledger": [
            {f: getattr(e, f) for f in e.__struct_fields__} for e in (await history(m, None, limit=1_000_000)).entries
        ],
        "cards": await _rows(
            Card,
            m,
            Card.seq,
            Card.stamps,
            Card.capacity,
            Card.reward_text,
            Card.status,
            Card.opened_at,
            Card.completed_at,
        ),
        "rewards": await _rows(
            Reward,
            m,
            Reward.id,
            Reward.title,
            Reward.status,
            Reward.issued_at,
            Reward.expires_at,
            Reward.redeemed_at,
            Reward.revoked_reason,
        ),
        "devices": await _rows(
            MemberDevice,
            m,
            MemberDevice.device_id,
            MemberDevice.label,
            MemberDevice.created_at,
            MemberDevice.last_sync_at,
            MemberDevice.revoked_at,
        ),
        "sessions": await _rows(
            WebSession,
            m,
            WebSession.user_agent,
            WebSession.ip,
            WebSession.created_at,
            WebSession.last_seen_at,
            WebSession.expires_at,
            WebSession.revoked_at,
        ),
        "passkeys": await _rows(
            MemberPasskey, m, MemberPasskey.label, MemberPasskey.created_at, MemberPasskey.last_used_at
        ),
        "push_subscriptions": await _rows(
            PushSubscription,
            m,
            PushSubscription.id,
            PushSubscription.endpoint,
            PushSubscription.user_agent,
            PushSubscription.created_at,
            PushSubscription.last_seen_at,
        ),
        "notifications": await _notifications(m),
        "referrals": await referrals_for_export(m),
        "prepaid_cards": (await prepaid_history(m, now)).cards,  # klippekort, each with its entries
        "points": await _rows(
            PointsEntry,
            m,
            PointsEntry.created_at,
            PointsEntry.kind,
            PointsEntry.points,
            PointsEntry.reason,
            PointsEntry.confirms_at,
            PointsEntry.expires_at,
            PointsEntry.amount_ore,
        ),
    }
