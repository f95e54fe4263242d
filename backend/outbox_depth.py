"""How much waits in each leased outbox, for the metrics: rows waiting and the oldest one's age.
Read at scrape time by /metrics, and every few seconds by `stampcard worker` for its own listener."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend import metrics
from backend.integrations.tables import WebhookDelivery
from backend.push.tables import Notification, PushDelivery

# Each outbox and the statuses that mean "waiting" there; the age counts from the row's created_at.
OUTBOXES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "push_notification": (Notification, ("pending",)),
    "push_delivery": (PushDelivery, ("pending", "sending")),
    "webhook_delivery": (WebhookDelivery, ("pending", "sending")),
}


async def refresh_outboxes(now: datetime) -> None:
    for name, (table, waiting) in OUTBOXES.items():
        depth, oldest = await _waiting(table, waiting)
        metrics.OUTBOX_DEPTH.labels(name).set(depth)
        metrics.OUTBOX_OLDEST_SECONDS.labels(name).set(max(0.0, (now - oldest).total_seconds()) if oldest else 0)


async def _waiting(table: Any, waiting: tuple[str, ...]) -> tuple[int, datetime | None]:
    marks = ", ".join("{}" for _ in waiting)
    sql = f"SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM {table._meta.tablename} WHERE status IN ({marks})"
    [row] = await table.raw(sql, *waiting)
    oldest = row["oldest"]
    if isinstance(oldest, str):  # SQLite hands back the text it stored
        oldest = datetime.fromisoformat(oldest)
    return int(row["n"]), oldest
