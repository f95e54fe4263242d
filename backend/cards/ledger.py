"""Reading the append-only ledger: what was earned, what was given today, the last action."""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.query.functions.aggregate import Sum

from backend import config_cache
from backend.cards.tables import LedgerEntry
from backend.club.tables import Club
from digital_stampcard.clock import local_day_bounds
from digital_stampcard.tiers import EARNING_KINDS, WINDOW_DAYS
from digital_stampcard.undo import CARD_KINDS, can_be_undone


async def tier_window_days() -> int:
    """The owner's tier window (Club.tier_window_days); the default before a club exists."""
    return await config_cache.cached("tier_window_days", _load_tier_window_days)


async def _load_tier_window_days() -> int:
    row = await Club.select(Club.tier_window_days).order_by(Club.id).first()
    return int(row["tier_window_days"]) if row and row["tier_window_days"] else WINDOW_DAYS


async def earned_in_window(member_id: int, now: datetime, window_days: int | None = None) -> int:
    """Stamps earned in the tier window ending at `now` (the club's window unless given)."""
    days = window_days if window_days is not None else await tier_window_days()
    rows = await LedgerEntry.select(Sum(LedgerEntry.stamps).as_alias("total")).where(
        (LedgerEntry.member == member_id)
        & LedgerEntry.kind.is_in(list(EARNING_KINDS))
        & (LedgerEntry.created_at >= now - timedelta(days=days))
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
    """The member's latest card change, when it can be undone (`undo.can_be_undone`)."""
    entry = await last_entry(member_id, CARD_KINDS)
    if entry is None or not can_be_undone(entry.kind, await is_reversed(entry.id)):
        return None
    return entry


async def staff_stamp_count(member_id: int) -> int:
    """The member's staff-given stamp rows (till and POS), bonuses not counted."""
    return int(await LedgerEntry.count().where((LedgerEntry.member == member_id) & (LedgerEntry.kind == "stamp")))


async def welcome_given(member_id: int) -> bool:
    return bool(
        await LedgerEntry.exists().where(
            (LedgerEntry.member == member_id) & (LedgerEntry.kind == "bonus") & (LedgerEntry.reason == "welcome")
        )
    )


async def surprised_on(member_id: int, now: datetime) -> bool:
    """Whether the member had a surprise on the Oslo day holding `now`."""
    start, end = local_day_bounds(now)
    return bool(
        await LedgerEntry.exists().where(
            (LedgerEntry.member == member_id)
            & (LedgerEntry.kind == "reward_issued")
            & (LedgerEntry.reason == "surprise")
            & (LedgerEntry.created_at >= start)
            & (LedgerEntry.created_at < end)
        )
    )
