"""The owner's stamp card programs: list, create, change, deactivate and activate again.

A change never touches a card already started (each card snapshots its policy); it applies to the
cards opened after it. At most one active program applies to a store at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.cards.admin_schemas import ProgramIn, ProgramList, ProgramOut, ProgramPatch, StoreRef
from backend.cards.programs import span_of
from backend.cards.tables import Card, Program
from backend.club.tables import Store
from backend.context import AppContext
from backend.db import write_transaction
from digital_stampcard import programs as rules
from digital_stampcard.errors import DomainError

FIELDS = (
    "name",
    "capacity",
    "reward_text",
    "reward_value_ore",
    "reward_valid_days",
    "stamp_basis",
    "ore_per_stamp",
    "daily_cap",
    "store_ids",
    "starts_at",
    "ends_at",
)


async def _get(program_id: int) -> Program:
    program = await Program.objects().output(load_json=True).where(Program.id == program_id).first()
    if program is None:
        raise DomainError("not_found", "No such program.", kind="not_found")
    return program


async def _open_cards() -> dict[int, int]:
    rows = await Card.raw("SELECT program, COUNT(*) AS n FROM card WHERE status = 'open' GROUP BY program")
    return {r["program"]: int(r["n"]) for r in rows}


def _out(program: Program, now: datetime, open_cards: dict[int, int]) -> ProgramOut:
    return ProgramOut(
        id=program.id,
        name=program.name,
        capacity=program.capacity,
        reward_text=program.reward_text,
        reward_value_ore=program.reward_value_ore,
        reward_valid_days=program.reward_valid_days,
        stamp_basis=program.stamp_basis,
        ore_per_stamp=program.ore_per_stamp,
        daily_cap=program.daily_cap,
        store_ids=list(program.store_ids or []),
        starts_at=program.starts_at,
        ends_at=program.ends_at,
        active=program.active,
        in_effect=program.active and rules.in_dates(span_of(program), now),
        open_cards=open_cards.get(program.id, 0),
        created_at=program.created_at,
        updated_at=program.updated_at,
    )


def _draft(values: dict[str, Any]) -> rules.ProgramDraft:
    values = {**values, "store_ids": tuple(values["store_ids"] or ())}
    return msgspec.convert(values, rules.ProgramDraft, from_attributes=False, strict=False)


async def _checked(draft: rules.ProgramDraft, active: bool, program_id: int | None) -> rules.ProgramDraft:
    """Field checks, then (for an active program) the overlap check against the other active ones.
    Called inside the write transaction, so two owners cannot both create overlapping programs."""
    stores = [r["id"] for r in await Store.select(Store.id)]
    draft = rules.clean_program(draft, stores)
    if active:
        others = [(p.name, span_of(p)) for p in await _active() if p.id != program_id]
        rules.check_no_overlap(draft.span, others)
    return draft


async def _active() -> list[Program]:
    return await Program.objects().output(load_json=True).where(Program.active == True)  # noqa: E712


def _columns(draft: rules.ProgramDraft) -> dict[str, Any]:
    values = {name: getattr(draft, name) for name in FIELDS}
    values["store_ids"] = list(draft.store_ids)
    return values


async def list_programs(ctx: AppContext) -> ProgramList:
    """Active programs first, then the rest; newest first within each."""
    now = ctx.clock.now()
    programs = await Program.objects().output(load_json=True).order_by(Program.id, ascending=False)
    programs.sort(key=lambda p: not p.active)
    open_cards = await _open_cards()
    stores = await Store.select(Store.id, Store.name).order_by(Store.name)
    return ProgramList([_out(p, now, open_cards) for p in programs], [StoreRef(s["id"], s["name"]) for s in stores])


async def get_program(ctx: AppContext, program_id: int) -> ProgramOut:
    return _out(await _get(program_id), ctx.clock.now(), await _open_cards())


async def create_program(ctx: AppContext, data: ProgramIn) -> ProgramOut:
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        draft = await _checked(_draft(msgspec.structs.asdict(data)), True, None)
        program = Program(**_columns(draft), active=True, created_at=now, updated_at=now)
        inserted = await Program.insert(program).returning(Program.id)
    return await get_program(ctx, inserted[0]["id"])


async def update_program(ctx: AppContext, program_id: int, patch: ProgramPatch) -> ProgramOut:
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        program = await _get(program_id)
        values = {name: getattr(program, name) for name in FIELDS}
        values.update({k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET})
        draft = await _checked(_draft(values), program.active, program.id)
        changes = {getattr(Program, k): v for k, v in _columns(draft).items()}
        await Program.update({**changes, Program.updated_at: now}).where(Program.id == program_id)
    return await get_program(ctx, program_id)


async def set_active(ctx: AppContext, program_id: int, active: bool) -> ProgramOut:
    """Deactivating stops stamping on it at once (its cards and rewards stay). Activating again is
    refused when it would overlap another active program."""
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        program = await _get(program_id)
        if active and not program.active:
            await _checked(_draft({name: getattr(program, name) for name in FIELDS}), True, program.id)
        await Program.update({Program.active: active, Program.updated_at: now}).where(Program.id == program_id)
    return await get_program(ctx, program_id)
