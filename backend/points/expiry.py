"""What the calendar does to points: the remainder of a lot past its date expires, and a member
whose points expire inside the reminder window is told once per expiry date. Found by the worker's
periodic scan; safe beside other workers and after a crash: the expiry is written under the member's
lock from the lots as they are (a lot already expired has nothing left), and the reminder's dedupe key
is the date."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend import outbox
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.locking import lock_member
from backend.points import ledger
from backend.points.program import active_program, rules_of
from backend.points.tables import PointsEntry
from digital_stampcard import points as rules
from digital_stampcard.clock import OSLO
from digital_stampcard.effects import Push

BATCH = 500  # members per scan; the next scan takes the rest


async def expire_and_remind(ctx: AppContext, now: datetime) -> int:
    """Returns how many members it wrote for."""
    return await _expire(ctx, now) + await _remind(ctx, now)


_DATED_BEFORE = "SELECT DISTINCT e.member FROM points_entry e WHERE e.kind = 'earn' AND e.expires_at <= {} "
_WITH_POINTS_LEFT = (
    "AND NOT EXISTS (SELECT 1 FROM points_entry r WHERE r.reversal_of = e.id) "
    "AND e.points + COALESCE((SELECT SUM(t.points) FROM points_entry t WHERE t.lot = e.id), 0) > 0 "
    "ORDER BY e.member LIMIT {}"
)


async def _members_with_lots(until: datetime, since: datetime | None = None) -> list[int]:
    """Members with an unreversed earning dated before `until` (and after `since`) that still has
    points left; the domain decides what each one means."""
    if since is None:
        rows = await PointsEntry.raw(_DATED_BEFORE + _WITH_POINTS_LEFT, until, BATCH)
    else:
        rows = await PointsEntry.raw(_DATED_BEFORE + "AND e.expires_at > {} " + _WITH_POINTS_LEFT, until, since, BATCH)
    return [r["member"] for r in rows]


async def _expire(ctx: AppContext, now: datetime) -> int:
    count = 0
    for member_id in await _members_with_lots(now):
        async with write_transaction(ctx.engine):
            await lock_member(ctx.engine, member_id)
            takes = rules.expiring_now(await ledger.lots_of(member_id), now)
            for take in takes:
                await ledger.expire(member_id, take, now)
        count += bool(takes)
    return count


async def _remind(ctx: AppContext, now: datetime) -> int:
    program = await active_program()
    if program is None:
        return 0
    program_rules = rules_of(program)
    count = 0
    for member_id in await _members_with_lots(now + timedelta(days=program_rules.reminder_days), since=now):
        balance = rules.balance(await ledger.lots_of(member_id), now, program_rules)
        if balance.expiring and balance.expiring_at is not None:
            day = balance.expiring_at.astimezone(OSLO).date()
            days = (day - now.astimezone(OSLO).date()).days
            data = {"points": balance.expiring, "days": days, "expires_at": balance.expiring_at.isoformat()}
            count += await outbox.write_one(Push(member_id, "points_expiring", day.isoformat(), data), now)
    return count
