"""Writing notifications into the outbox, inside the transaction of the event that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.push.tables import Notification
from digital_stampcard.notifications import Kind, dedupe_key


async def enqueue(
    member_id: int, kind: Kind, ref: str | int, data: dict[str, Any], now: datetime, due_at: datetime | None = None
) -> bool:
    """Adds the notification unless this event already has one: the unique dedupe key decides, so
    several workers scanning at once still write it once. Returns whether it was added."""
    added = (
        await Notification.insert(
            Notification(
                member=member_id,
                kind=kind,
                dedupe_key=dedupe_key(kind, member_id, ref),
                data=data,
                created_at=now,
                due_at=due_at or now,
            )
        )
        .on_conflict(target=Notification.dedupe_key, action="DO NOTHING")
        .returning(Notification.id)
    )
    return bool(added)
