"""Server-side sessions: a fresh 256-bit token at every login, stored hashed, revocable per device."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec

from backend import config_cache
from backend.accounts.tables import WebSession
from backend.db import table_row
from backend.members.tables import Member

SessionKind = Literal["member", "staff"]
TOUCH_EVERY = timedelta(minutes=5)


class SessionInfo(msgspec.Struct, frozen=True):
    id: int
    kind: SessionKind
    member_id: int | None
    staff_id: int | None
    staff_role: str | None = None
    store_id: int | None = None
    member: Any = None  # a member session's Member, read with the session (every member request needs it)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    kind: SessionKind,
    *,
    now: datetime,
    lifetime: timedelta,
    member_id: int | None = None,
    staff_id: int | None = None,
    user_agent: str = "",
    ip: str = "",
) -> tuple[str, int]:
    """Returns (cookie token, session id). Always a new id: logging in never reuses a session."""
    token = secrets.token_urlsafe(32)
    rows = await WebSession.insert(
        WebSession(
            token_hash=_hash(token),
            kind=kind,
            member=member_id,
            staff=staff_id,
            user_agent=user_agent[:200],
            ip=ip[:64],
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    ).returning(WebSession.id)
    return token, rows[0]["id"]


# One statement for every request: the session, its staff account or member, and the configuration
# generation (which tells the request whether the cached programs, tiers and club are current).
_MEMBER_COLUMNS = ", ".join(f"m.{c._meta.name} AS member__{c._meta.name}" for c in Member._meta.columns)
_LOAD = (
    "SELECT s.id, s.kind, s.member, s.staff, s.last_seen_at, s.expires_at, s.revoked_at, "
    f"a.role, a.store, a.disabled_at, (SELECT n FROM config_generation) AS generation, {_MEMBER_COLUMNS} "
    "FROM web_session s LEFT JOIN staff_account a ON a.id = s.staff LEFT JOIN member m ON m.id = s.member "
    "WHERE s.token_hash = {}"
)


async def load_session(token: str, now: datetime) -> SessionInfo | None:
    rows = await WebSession.raw(_LOAD, _hash(token))
    row = rows[0] if rows else None
    # The owner's requests read the configuration afresh: they are the ones that change it, and
    # read back what they saved in the same request. Tills and members use the cache.
    cacheable = row is not None and row["role"] != "owner"
    config_cache.note_generation(WebSession._meta.db, row["generation"] if cacheable and row else None)
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
        return None
    staff = row["kind"] == "staff"
    if staff and (row["role"] is None or row["disabled_at"] is not None):
        return None
    if now - row["last_seen_at"] > TOUCH_EVERY:
        await WebSession.update({WebSession.last_seen_at: now}).where(WebSession.id == row["id"])
    return SessionInfo(
        row["id"],
        row["kind"],
        row["member"],
        row["staff"],
        row["role"] if staff else None,
        row["store"] if staff else None,
        table_row(Member, row, "member__") if row["member__id"] is not None else None,
    )


async def live_staff_sessions(now: datetime) -> dict[int, int | None]:
    """Every staff session still signed in: session id → the store of its account."""
    rows = await WebSession.select(WebSession.id, WebSession.staff.store.as_alias("store")).where(
        WebSession.kind == "staff",
        WebSession.revoked_at.is_null(),
        WebSession.expires_at > now,
        WebSession.staff.disabled_at.is_null(),
    )
    return {r["id"]: r["store"] for r in rows}


async def revoke_staff_sessions(staff_ids: list[int], now: datetime, *, keep_session_id: int | None = None) -> int:
    """Signs these accounts out on every device at once; returns how many sessions ended."""
    if not staff_ids:
        return 0
    query = WebSession.update({WebSession.revoked_at: now}).where(
        WebSession.staff.is_in(staff_ids),
        WebSession.kind == "staff",
        WebSession.revoked_at.is_null(),
        WebSession.expires_at > now,
    )
    if keep_session_id is not None:
        query = query.where(WebSession.id != keep_session_id)
    rows = await query.returning(WebSession.id)
    return len(rows)


async def revoke_session(session_id: int, now: datetime) -> None:
    await WebSession.update({WebSession.revoked_at: now}).where(WebSession.id == session_id)
