"""Server-side sessions: a fresh 256-bit token at every login, stored hashed, revocable per device."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from backend.accounts.tables import StaffAccount, WebSession

SessionKind = Literal["member", "staff"]
TOUCH_EVERY = timedelta(minutes=5)


class SessionInfo(msgspec.Struct, frozen=True):
    id: int
    kind: SessionKind
    member_id: int | None
    staff_id: int | None
    staff_role: str | None = None
    store_id: int | None = None


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


async def load_session(token: str, now: datetime) -> SessionInfo | None:
    row = await WebSession.objects().where(WebSession.token_hash == _hash(token)).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    role: str | None = None
    store_id: int | None = None
    if row.kind == "staff":
        staff = await StaffAccount.objects().where(StaffAccount.id == row.staff).first()
        if staff is None or staff.disabled_at is not None:
            return None
        role, store_id = staff.role, staff.store
    if now - row.last_seen_at > TOUCH_EVERY:
        await WebSession.update({WebSession.last_seen_at: now}).where(WebSession.id == row.id)
    return SessionInfo(row.id, row.kind, row.member, row.staff, role, store_id)


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
