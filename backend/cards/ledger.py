"""Reading the append-only ledger: what was earned, what was given today, the last action."""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.query.functions.aggregate import Sum

from backend.cards.tables import LedgerEntry
from digital_stampcard.clock import local_day_bounds
from digital_stampcard.tiers import WINDOW_DAYS

EARNING_KINDS = ("stamp", "bonus", "undo", "void")
CARD_KINDS = ("stamp", "bonus", "reward_redeemed", "void")  # everything that changes cards or rewards


async def earned_in_window(member_id: int, now: datetime) -> int:
    rows = await LedgerEntry.select(Sum(LedgerEntry.stamps).as_alias("total")).where(
        (LedgerEntry.member == member_id)
        & LedgerEntry.kind.is_in(list(EARNING_KINDS))
        & (LedgerEntry.created_at >= now - timedelta(days=WINDOW_DAYS))
    )
    return max(0, int(rows[0]["total"] or 0))


async def stamped_today(member_id: int, program_id: int, now: datetime) -> int:
    start, end = local_day_bounds(now)
    rows = await LedgerEntry.select(Sum(LedgerEntry.stamps).as_alias("total")).where(
        (LedgerEntry.member == member_id)
        & (LedgerEntry.program == program_id)
        & (LedgerEntry.counts_for_cap == True)  # noqa: E712
        & (LedgerEntry.created_at >= start)
        & (LedgerEntry.created_at < end)
    )
    return max(0, int(rows[0]["total"] or 0))


async def last_entry(member_id: int, kinds: tuple[str, ...], program_id: int | None = None) -> LedgerEntry | None:
    query = (
        LedgerEntry.objects()
        .output(load_json=True)
        .where((LedgerEntry.member == member_id) & LedgerEntry.kind.is_in(list(kinds)))
    )
    if program_id is not None:
        query = query.where(LedgerEntry.program == program_id)
    return await query.order_by(LedgerEntry.id, ascending=False).first()


async def is_reversed(entry_id: int) -> bool:
    return await LedgerEntry.exists().where(LedgerEntry.reverses == entry_id)


async def undoable_action(member_id: int) -> LedgerEntry | None:
    """Only the member's latest card change can be undone, and only if it was a staff action not
    already undone: a later bonus stamp (or anything else) may sit on the cards it opened. After an
    owner's void (which may reopen an earlier card) nothing before it can be undone at the till."""
    entry = await last_entry(member_id, CARD_KINDS)
    if entry is None or entry.kind in ("bonus", "void") or await is_reversed(entry.id):
        return None
    return entry
