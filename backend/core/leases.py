"""The one claim for every leased outbox (push deliveries, webhook deliveries): a worker takes a
batch of due rows for a while (the lease); a worker that dies loses nothing, its rows come back when
the lease runs out. On PostgreSQL SKIP LOCKED keeps workers off each other's rows; SQLite has one
writer. The tables share the columns: status, next_attempt_at, locked_until, attempts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend.context import AppContext
from backend.db import is_postgres, write_transaction


async def claim(ctx: AppContext, table: Any, *, now: datetime, lease: timedelta, batch: int) -> list[int]:
    """Ids of the rows this worker now holds until `now + lease`, each attempt counted."""
    sql = (
        f"SELECT id FROM {table._meta.tablename} WHERE (status = 'pending' AND next_attempt_at <= {{}}) "
        "OR (status = 'sending' AND locked_until < {}) ORDER BY id LIMIT {}"
    )
    if is_postgres(ctx.engine):
        sql += " FOR UPDATE SKIP LOCKED"
    async with write_transaction(ctx.engine):
        ids = [r["id"] for r in await table.raw(sql, now, now, batch)]
        if ids:
            await table.update(
                {table.status: "sending", table.locked_until: now + lease, table.attempts: table.attempts + 1}
            ).where(table.id.is_in(ids))
    return ids
