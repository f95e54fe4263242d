"""The member's own points: balance, what the catalogue has now, and the history."""

from __future__ import annotations

from datetime import datetime

from backend.points import ledger
from backend.points.program import active_program, catalogue, rules_of
from backend.points.schemas import MemberPointsOut, PointsSummaryOut
from digital_stampcard.errors import DomainError


async def member_points(member_id: int, now: datetime) -> MemberPointsOut:
    program = await active_program()
    if program is None:
        raise DomainError("no_points_program", "This club has no points program.", kind="not_found")
    lots = await ledger.lots_of(member_id)
    return MemberPointsOut(
        program.name,
        ledger.balance_out(lots, now, rules_of(program)),
        await catalogue(now),
        await ledger.history(member_id),
    )


async def home_points(member_id: int, now: datetime) -> PointsSummaryOut | None:
    """For the home screen; None when the club runs no points program (no query then, once cached)."""
    program = await active_program()
    if program is None:
        return None
    return PointsSummaryOut(program.name, ledger.balance_out(await ledger.lots_of(member_id), now, rules_of(program)))
