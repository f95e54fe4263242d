"""The per-member write lock every service takes before it changes a member's cards, rewards or data."""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from backend.db import is_postgres
from backend.members.tables import Member


async def lock_member(engine: Engine[Any], member_id: int) -> Any:
    """Serialises writers per member and returns the member as it is now, read under the lock.

    PostgreSQL takes the row lock with the same read; SQLite's IMMEDIATE transaction already
    serialises all writers. None for a member who no longer exists."""
    query = Member.objects().output(load_json=True).where(Member.id == member_id)
    if is_postgres(engine):
        query = query.lock_rows("UPDATE")
    return await query.first()


def locked_by_read(engine: Engine[Any], alias: str) -> str:
    """The clause that makes a raw read of the member's row (as `alias`) take the same lock, for a
    hot path that reads the member together with another row in one statement."""
    return f" FOR UPDATE OF {alias}" if is_postgres(engine) else ""
