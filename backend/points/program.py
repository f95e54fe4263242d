"""The owner's points program and reward catalogue. One program row: saving it again changes it;
what was earned keeps the dates it was earned with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend import config_cache
from backend.cards.programs import tier_ladder
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.tables import Member
from backend.points.schemas import ItemIn, ItemOut, ItemPatch, PointsAdminOut, PointsProgramIn, PointsProgramOut
from backend.points.tables import PointsItem, PointsProgram
from digital_stampcard import points as rules
from digital_stampcard.errors import DomainError

MAX_COST = 1_000_000
MAX_STOCK = 1_000_000


async def active_program() -> PointsProgram | None:
    """Cached per configuration generation (backend/config_cache.py): read-only for callers."""
    return await config_cache.cached("points_program", _load_active_program)


async def _load_active_program() -> PointsProgram | None:
    return (
        await PointsProgram.objects()
        .output(load_json=True)
        .where(PointsProgram.active == True)  # noqa: E712
        .order_by(PointsProgram.id)
        .first()
    )


async def running_program() -> PointsProgram:
    program = await active_program()
    if program is None:
        raise DomainError("no_points_program", "No points program runs right now.", kind="not_found")
    return program


def rules_of(program: PointsProgram) -> rules.PointsRules:
    return rules.PointsRules(
        ore_per_point=program.ore_per_point,
        action_points={k: int(v) for k, v in (program.action_points or {}).items()},
        refund_window_days=program.refund_window_days,
        expiry_days=program.expiry_days,
        reminder_days=program.reminder_days,
    )


def program_out(p: PointsProgram) -> PointsProgramOut:
    return PointsProgramOut(
        p.id,
        p.name,
        p.active,
        p.ore_per_point,
        {k: int(v) for k, v in (p.action_points or {}).items()},
        p.refund_window_days,
        p.expiry_days,
        p.reminder_days,
    )


def item_out(item: PointsItem) -> ItemOut:
    return ItemOut(
        item.id,
        item.name,
        item.picture_url,
        item.cost,
        item.stock,
        item.valid_from,
        item.valid_until,
        item.active,
    )


async def admin_view() -> PointsAdminOut:
    program = await PointsProgram.objects().output(load_json=True).order_by(PointsProgram.id).first()
    items = await PointsItem.objects().order_by(PointsItem.active, ascending=False).order_by(PointsItem.id)
    return PointsAdminOut(program_out(program) if program else None, [item_out(i) for i in items])


async def catalogue(now: datetime) -> list[ItemOut]:
    """What can be had now: active, inside its dates, in stock; the cheapest first."""
    items = await PointsItem.objects().where(PointsItem.active == True).order_by(PointsItem.cost)  # noqa: E712
    return [item_out(i) for i in items if available(i, now)]


def available(item: PointsItem, now: datetime) -> bool:
    in_dates = (item.valid_from is None or item.valid_from <= now) and (
        item.valid_until is None or now < item.valid_until
    )
    return item.active and in_dates and (item.stock is None or item.stock > 0)


async def save_program(ctx: AppContext, data: PointsProgramIn) -> PointsProgramOut:
    name = _name(data.name)
    checked = rules.PointsRules(
        data.ore_per_point, dict(data.action_points), data.refund_window_days, data.expiry_days, data.reminder_days
    )
    rules.check_rules(checked)
    now = ctx.clock.now()
    values: dict[Any, Any] = {
        "name": name,
        "active": data.active,
        "ore_per_point": checked.ore_per_point,
        "action_points": checked.action_points,
        "refund_window_days": checked.refund_window_days,
        "expiry_days": checked.expiry_days,
        "reminder_days": checked.reminder_days,
    }
    async with write_transaction(ctx.engine):
        existing = await PointsProgram.select(PointsProgram.id).order_by(PointsProgram.id).first()
        if existing is None:
            row = PointsProgram(**values, created_at=now)
            await row.save()
            program_id = row.id
        else:
            program_id = existing["id"]
            await PointsProgram.update({**values, "updated_at": now}).where(PointsProgram.id == program_id)
    program = await PointsProgram.objects().output(load_json=True).where(PointsProgram.id == program_id).first()
    assert program is not None
    return program_out(program)


async def add_item(ctx: AppContext, data: ItemIn) -> ItemOut:
    item = PointsItem(
        name=_name(data.name),
        cost=_cost(data.cost),
        picture_url=_picture(data.picture_url),
        stock=_stock(data.stock),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        active=True,
        created_at=ctx.clock.now(),
    )
    _dates(item.valid_from, item.valid_until)
    async with write_transaction(ctx.engine):
        await item.save()
    return item_out(item)


async def update_item(ctx: AppContext, item_id: int, patch: ItemPatch) -> ItemOut:
    async with write_transaction(ctx.engine):
        item = await PointsItem.objects().where(PointsItem.id == item_id).first()
        if item is None:
            raise DomainError("item_not_found", "There is no such reward in the catalogue.", kind="not_found")
        if not isinstance(patch.name, msgspec.UnsetType):
            item.name = _name(patch.name)
        if not isinstance(patch.cost, msgspec.UnsetType):
            item.cost = _cost(patch.cost)
        if not isinstance(patch.picture_url, msgspec.UnsetType):
            item.picture_url = _picture(patch.picture_url)
        if not isinstance(patch.stock, msgspec.UnsetType):
            item.stock = _stock(patch.stock)
        if not isinstance(patch.valid_from, msgspec.UnsetType):
            item.valid_from = patch.valid_from
        if not isinstance(patch.valid_until, msgspec.UnsetType):
            item.valid_until = patch.valid_until
        if not isinstance(patch.active, msgspec.UnsetType):
            item.active = patch.active
        _dates(item.valid_from, item.valid_until)
        item.updated_at = ctx.clock.now()
        await item.save()
    return item_out(item)


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= 120:
        raise DomainError("validation_error", "Give a name of 1 to 120 characters.")
    return cleaned


def _cost(cost: int) -> int:
    if not 1 <= cost <= MAX_COST:
        raise DomainError("validation_error", f"The cost must be between 1 and {MAX_COST:,} points.")
    return cost


def _stock(stock: int | None) -> int | None:
    if stock is not None and not 0 <= stock <= MAX_STOCK:
        raise DomainError("validation_error", f"The stock must be between 0 and {MAX_STOCK:,}, or empty for no limit.")
    return stock


def _picture(url: str) -> str:
    url = url.strip()
    if url and (len(url) > 300 or not url.startswith(("https://", "/"))):
        raise DomainError("validation_error", "The picture must be an https:// address or a path on this site.")
    return url


def _dates(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise DomainError("validation_error", "The reward must end after it starts.")


async def tier_multiplier(member: Member) -> int:
    """The tier the member holds multiplies points as it does stamps."""
    ladder = await tier_ladder()
    held = {t.code: t for t in ladder}.get(member.tier_code)
    return held.stamp_multiplier if held else 1


async def earning_rules(member: Member) -> tuple[rules.PointsRules, int] | None:
    """The running program's rules and the member's tier multiplier; None without a points program."""
    program = await active_program()
    if program is None:
        return None
    return rules_of(program), await tier_multiplier(member)
