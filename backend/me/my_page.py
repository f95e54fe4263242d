"""Min side, the member's own page: signed-in phones, the full history and every reward (the copy of
all their data is `backend/me/export.py`, leaving the club `leaving.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.accounts.tables import WebSession
from backend.cards.tables import LedgerEntry, Reward
from backend.context import AppContext
from backend.db import write_transaction
from backend.me.my_page_schemas import (
    HistoryEntry,
    HistoryPage,
    MemberSession,
    MemberSessions,
    MyReward,
    MyRewards,
    SignedOutSessions,
)
from backend.members.registry import revoke_session_devices
from digital_stampcard import rewards as reward_rules
from digital_stampcard.devices import describe_user_agent
from digital_stampcard.errors import DomainError

HISTORY_PAGE = 50


def _live_member_sessions(member_id: int, now: datetime) -> list[Any]:
    return [
        WebSession.kind == "member",
        WebSession.member == member_id,
        WebSession.revoked_at.is_null(),
        WebSession.expires_at > now,
    ]


async def sessions(member_id: int, current_session_id: int, now: datetime) -> MemberSessions:
    rows = (
        await WebSession.select(
            WebSession.id, WebSession.user_agent, WebSession.created_at, WebSession.last_seen_at, WebSession.expires_at
        )
        .where(*_live_member_sessions(member_id, now))
        .order_by(WebSession.last_seen_at, ascending=False)
    )
    return MemberSessions(
        [
            MemberSession(
                id=r["id"],
                device=describe_user_agent(r["user_agent"]),
                signed_in_at=r["created_at"],
                last_seen_at=r["last_seen_at"],
                expires_at=r["expires_at"],
                this_device=r["id"] == current_session_id,
            )
            for r in rows
        ]
    )


async def sign_out(ctx: AppContext, member_id: int, session_ids: list[int] | None, keep: int | None) -> int:
    """Ends the member's own sessions (`None`: all of them but `keep`) and their phones' QR keys, so a
    lost phone can neither open the app nor show a valid member code."""
    now = ctx.clock.now()
    query = WebSession.update({WebSession.revoked_at: now}).where(*_live_member_sessions(member_id, now))
    if session_ids is not None:
        query = query.where(WebSession.id.is_in(session_ids))
    if keep is not None:
        query = query.where(WebSession.id != keep)
    async with write_transaction(ctx.engine):
        ended = [r["id"] for r in await query.returning(WebSession.id)]
        for session_id in ended:
            await revoke_session_devices(session_id, now)
    return len(ended)


async def sign_out_one(ctx: AppContext, member_id: int, session_id: int) -> SignedOutSessions:
    # Another member's session is "not found": whether it exists is none of this member's business.
    if not await sign_out(ctx, member_id, [session_id], None):
        raise DomainError("session_not_found", "That sign-in no longer exists.", kind="not_found")
    return SignedOutSessions(1)


async def history(member_id: int, before: int | None, limit: int = HISTORY_PAGE) -> HistoryPage:
    """Every stamp, bonus, reward, redemption, undo and void, newest first; `before` is the cursor."""
    query = LedgerEntry.select(
        LedgerEntry.id,
        LedgerEntry.created_at,
        LedgerEntry.kind,
        LedgerEntry.stamps,
        LedgerEntry.reason,
        LedgerEntry.reverses,
        LedgerEntry.store.name.as_alias("store"),
        LedgerEntry.reward.title.as_alias("reward"),
    ).where(LedgerEntry.member == member_id)
    if before is not None:
        query = query.where(LedgerEntry.id < before)
    rows = await query.order_by(LedgerEntry.id, ascending=False).limit(limit + 1)
    page = rows[:limit]
    return HistoryPage(
        [
            HistoryEntry(
                r["id"], r["created_at"], r["kind"], r["stamps"], r["reason"], r["store"], r["reward"], r["reverses"]
            )
            for r in page
        ],
        page[-1]["id"] if len(rows) > limit else None,
    )


async def rewards(member_id: int, now: datetime) -> MyRewards:
    rows = (
        await Reward.select(
            Reward.id,
            Reward.title,
            Reward.status,
            Reward.issued_at,
            Reward.expires_at,
            Reward.redeemed_at,
            Reward.revoked_reason,
            Reward.redeemed_store.name.as_alias("store"),
        )
        .where(Reward.member == member_id)
        .order_by(Reward.id, ascending=False)
    )
    out = MyRewards([], [], [], [])
    for r in rows:
        status = reward_rules.effective_status(r["status"], r["expires_at"], now)
        item = MyReward(
            r["id"],
            r["title"],
            status,
            r["issued_at"],
            r["expires_at"],
            r["redeemed_at"],
            r["store"],
            r["revoked_reason"],
        )
        {"active": out.active, "redeemed": out.used, "expired": out.expired}.get(status, out.revoked).append(item)
    out.active.sort(key=lambda r: r.expires_at)  # the one running out first on top
    return out
