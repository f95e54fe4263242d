"""The active stamp-card program and the tier ladder, as domain values."""

from __future__ import annotations

from backend.cards.tables import Program, TierLevel
from digital_stampcard.cards import CardPolicy, StampRules
from digital_stampcard.errors import DomainError
from digital_stampcard.tiers import DEFAULT_TIERS, Tier


async def active_program() -> Program:
    program = await Program.objects().where(Program.active == True).order_by(Program.id).first()  # noqa: E712
    if program is None:
        raise DomainError("not_found", "No stamp card program is active.", kind="not_found")
    return program


def policy_of(program: Program) -> CardPolicy:
    return CardPolicy(program.capacity, program.reward_text, program.reward_valid_days)


def rules_of(program: Program) -> StampRules:
    return StampRules(daily_cap=program.daily_cap, duplicate_window_seconds=program.duplicate_window_seconds)


async def tier_ladder() -> list[Tier]:
    rows = await TierLevel.select().order_by(TierLevel.threshold)
    if not rows:
        return list(DEFAULT_TIERS)
    return [Tier(r["code"], r["name_nb"], r["name_en"], r["threshold"], r["stamp_multiplier"]) for r in rows]
