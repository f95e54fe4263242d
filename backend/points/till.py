"""Points at the till, after a scan: earn for a purchase (its amount), spend on a reward from the
catalogue. Each runs in one write transaction with the member's row locked, behind an
Idempotency-Key: a retry gets the first answer, byte for byte, and never earns or spends twice."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend import outbox
from backend.cards.scans import load_scan
from backend.context import Actor, AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from backend.points import ledger
from backend.points.program import available, catalogue, rules_of, running_program, tier_multiplier
from backend.points.schemas import EarnIn, SpendIn, TillPointsOut
from backend.points.tables import PointsItem, PointsProgram
from digital_stampcard import points as rules
from digital_stampcard import rewards as reward_rules
from digital_stampcard.effects import Webhook
from digital_stampcard.errors import DomainError


async def show(ctx: AppContext, actor: Actor, scan_id: str) -> TillPointsOut:
    scan, member = await load_scan(actor, scan_id, ctx)
    return await _view(scan.public_id, member.id, await running_program(), ctx.clock.now())


async def earn(ctx: AppContext, actor: Actor, body: EarnIn, key: str | None) -> StoredResponse:
    async def action() -> TillPointsOut:
        scan, member = await load_scan(actor, body.scan_id, ctx, lock=True)
        program = await running_program()
        program_rules = rules_of(program)
        now = ctx.clock.now()
        points = rules.points_asked(body.amount_ore, program_rules, await tier_multiplier(member))
        await ledger.earn(
            member.id,
            points,
            "purchase",
            now,
            program_rules,
            purchase=True,
            actor=actor,
            scan_pk=scan.id,
            key=key,
            amount_ore=body.amount_ore,
        )
        event = {"points": points, "amount_ore": body.amount_ore, "store_id": actor.store_id}
        await outbox.write([Webhook("points.earned", member.id, event)], now)
        return msgspec.structs.replace(await _view(scan.public_id, member.id, program, now), earned=points)

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:points-earn", key, body, action)


async def spend(ctx: AppContext, actor: Actor, body: SpendIn, key: str | None) -> StoredResponse:
    async def action() -> TillPointsOut:
        scan, member = await load_scan(actor, body.scan_id, ctx, lock=True)
        reward_rules.check_redeem_method(scan.method)  # a typed number proves nothing: only the QR spends
        program = await running_program()
        now = ctx.clock.now()
        item = await PointsItem.objects().where(PointsItem.id == body.item_id).first()
        if item is None or not available(item, now):
            raise DomainError("item_not_available", "This reward cannot be had right now.", kind="conflict")
        await ledger.spend(member.id, item, now, actor, scan_pk=scan.id, key=key)
        event = {"points": item.cost, "item_id": item.id, "item": item.name, "store_id": actor.store_id}
        await outbox.write([Webhook("points.spent", member.id, event)], now)
        return msgspec.structs.replace(await _view(scan.public_id, member.id, program, now), spent=item.cost)

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:points-spend", key, body, action)


async def _view(scan_id: str, member_id: int, program: PointsProgram, now: datetime) -> TillPointsOut:
    balance = ledger.balance_out(await ledger.lots_of(member_id), now, rules_of(program))
    return TillPointsOut(scan_id, program.name, balance, await catalogue(now))
