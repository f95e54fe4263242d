"""Which stamp-card program applies where, and the tier ladder, as domain values."""

from __future__ import annotations

from datetime import datetime

from backend import config_cache
from backend.cards.tables import Program, TierLevel
from digital_stampcard.cards import CardPolicy, StampRules
from digital_stampcard.errors import DomainError
from digital_stampcard.programs import ProgramSpan, applies
from digital_stampcard.tiers import DEFAULT_TIERS, Tier


def span_of(program: Program) -> ProgramSpan:
    return ProgramSpan(tuple(program.store_ids or ()), program.starts_at, program.ends_at)


async def active_programs() -> list[Program]:
    """Cached while the configuration generation holds (backend/config_cache.py): read-only."""
    return await config_cache.cached("active_programs", _load_active_programs)


async def _load_active_programs() -> list[Program]:
    return await Program.objects().output(load_json=True).where(Program.active == True).order_by(Program.id)  # noqa: E712


async def find_program(store_id: int | None, now: datetime) -> Program | None:
    """The active program in its dates that applies at `store_id` (None: one for every store).
    Overlaps are refused when programs are saved, so at most one matches; the oldest wins if
    older data disagrees."""
    for program in await active_programs():
        if applies(span_of(program), store_id, now):
            return program
    return None


async def active_program(store_id: int | None, now: datetime) -> Program:
    program = await find_program(store_id, now)
    if program is None:
        raise DomainError("no_program", "No stamp card program applies here right now.", kind="not_found")
    return program


async def member_program(favourite_store_id: int | None, now: datetime) -> Program | None:
    """For the member's own screens (no till): their favourite store's program, else the one for
    every store; None when neither runs."""
    if favourite_store_id is not None:
        program = await find_program(favourite_store_id, now)
        if program is not None:
            return program
    return await find_program(None, now)


def policy_of(program: Program) -> CardPolicy:
    return CardPolicy(program.capacity, program.reward_text, program.reward_valid_days)


def rules_of(program: Program) -> StampRules:
    return StampRules(daily_cap=program.daily_cap, duplicate_window_seconds=program.duplicate_window_seconds)


async def tier_ladder() -> list[Tier]:
    return await config_cache.cached("tier_ladder", _load_tier_ladder)


async def _load_tier_ladder() -> list[Tier]:
    rows = await TierLevel.select().order_by(TierLevel.threshold)
    if not rows:
        return list(DEFAULT_TIERS)
    return [
        Tier(
            r["code"],
            r["name_nb"],
            r["name_en"],
            r["threshold"],
            r["stamp_multiplier"],
            r["extra_reward_text"] or "",
            r["early_access_minutes"] or 0,
        )
        for r in rows
    ]
