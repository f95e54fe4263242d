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


async def release(ctx: AppContext, table: Any, held: dict[int, int], *, now: datetime) -> None:
    """Gives back rows this worker claimed but never tried (it is stopping): pending again at once,
    the attempt uncounted. `held` maps each id to the attempt count its claim gave it; a row that
    another worker took over since (a higher count) is left alone."""
    by_attempts: dict[int, list[int]] = {}
    for row_id, attempts in held.items():
        by_attempts.setdefault(attempts, []).append(row_id)
    async with write_transaction(ctx.engine):
        for attempts, ids in by_attempts.items():
            await table.update(
                {
                    table.status: "pending",
                    table.next_attempt_at: now,
                    table.locked_until: None,
                    table.attempts: attempts - 1,
                }
            ).where(table.id.is_in(ids) & (table.status == "sending") & (table.attempts == attempts))
