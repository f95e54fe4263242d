"""The one writer of outbox rows: the effects an action causes (pushes, webhook events) are written
here, inside the action's own transaction, so they are kept exactly when the action is. The push
dispatcher and the webhook deliverer then send them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from backend import config_cache
from backend.integrations.tables import WebhookDelivery, WebhookEndpoint, WebhookEvent
from backend.members.tables import Member
from backend.push.tables import Notification
from digital_stampcard.effects import Effect, Push, Webhook
from digital_stampcard.notifications import dedupe_key


async def write(effects: Iterable[Effect], now: datetime) -> None:
    for effect in effects:
        await write_one(effect, now)


async def write_one(effect: Effect, now: datetime) -> bool:
    """Returns whether a row was added: a push already written for its event is not written again."""
    if isinstance(effect, Push):
        return await _push(effect, now)
    return await _webhook(effect, now)


async def _push(push: Push, now: datetime) -> bool:
    # The unique dedupe key decides, so several workers writing the same event at once still write it once.
    added = (
        await Notification.insert(
            Notification(
                member=push.member_id,
                kind=push.kind,
                dedupe_key=dedupe_key(push.kind, push.member_id, push.ref),
                data=push.data,
                created_at=now,
                due_at=push.due_at or now,
            )
        )
        .on_conflict(target=Notification.dedupe_key, action="DO NOTHING")
        .returning(Notification.id)
    )
    return bool(added)


async def _live_endpoints() -> list[dict[str, Any]]:
    rows = (
        await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events)
        .where(WebhookEndpoint.disabled_at.is_null())
        .output(load_json=True)
    )
    return [{"id": r["id"], "events": frozenset(r["events"] or [])} for r in rows]


async def _webhook(hook: Webhook, now: datetime) -> bool:
    """One delivery per endpoint that wants the event. Which endpoints want what is cached while the
    configuration generation holds (adding or disabling one bumps it), so an event nobody wants costs
    no query."""
    endpoints = [
        e["id"] for e in await config_cache.cached("webhook_endpoints", _live_endpoints) if hook.event in e["events"]
    ]
    if not endpoints:
        return False
    data = hook.data
    if hook.member_id is not None:  # members are named by their member number, never by phone or e-mail
        number = await Member.select(Member.member_number).where(Member.id == hook.member_id).first()
        data = {"member_number": number["member_number"] if number else None, **data}
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {"id": event_id, "type": hook.event, "created_at": now.isoformat(), "data": data}
    [row] = await WebhookEvent.insert(
        WebhookEvent(event_id=event_id, event=hook.event, payload=body, created_at=now)
    ).returning(WebhookEvent.id)
    await WebhookDelivery.insert(
        *[WebhookDelivery(endpoint=e, event=row["id"], next_attempt_at=now, created_at=now) for e in endpoints]
    )
    return True
