"""What a cashier does after a scan: add stamps, redeem a reward, undo the last action. Each runs in
one write transaction, serialised per member (the member's row is locked), behind an Idempotency-Key."""

from __future__ import annotations

from backend import visits
from backend.cards.card_state import read_card_state
from backend.cards.ledger import tier_window_days
from backend.cards.programs import active_program, find_program, rules_of
from backend.cards.scans import load_scan
from backend.cards.schemas import RedeemIn, RedeemOut, StampIn, StampOut, UndoIn, UndoOut
from backend.cards.undoing import undo_last
from backend.cards.views import reward_out, scan_out
from backend.context import Actor, AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from digital_stampcard import rewards as reward_rules
from digital_stampcard.cards import is_duplicate_scan
from digital_stampcard.purchases import stamps_asked


async def add_stamps(ctx: AppContext, actor: Actor, body: StampIn, key: str | None, lang: str) -> StoredResponse:
    async def action() -> StampOut:
        scan, member = await load_scan(actor, body.scan_id, ctx, lock=True)  # the member read under its lock
        now = ctx.clock.now()
        program = await active_program(actor.store_id, now)
        count = stamps_asked(program.stamp_basis, body.count, body.amount_ore, program.ore_per_stamp)
        state = await read_card_state(member.id, program.id, now, await tier_window_days())
        previous = state.last_stamp
        # A second *scan* of the member inside the window returns the first result; more stamps on
        # the same scan are the cashier's deliberate choice (the daily cap still holds).
        if (
            previous
            and previous.scan != scan.id
            and not previous.reversed
            and is_duplicate_scan(previous.created_at, now, rules_of(program))
        ):
            return StampOut(await scan_out(scan, member, program, now, lang), 0, [], duplicate=True, capped=False)
        visit = await visits.stamp_member(
            member, program, count, now, actor, scan_pk=scan.id, key=key, amount_ore=body.amount_ore, state=state
        )
        applied = visit.applied
        out = await scan_out(scan, member, program, now, lang, visit.tier, state=visit.after)
        issued = [r for r in out.rewards if r.id in applied.reward_ids]
        return StampOut(out, applied.plan.added, issued, False, applied.plan.capped)

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:stamp", key, body, action)


async def redeem(ctx: AppContext, actor: Actor, body: RedeemIn, key: str | None, lang: str) -> StoredResponse:
    async def action() -> RedeemOut:
        scan, member = await load_scan(actor, body.scan_id, ctx, lock=True)
        reward_rules.check_redeem_method(scan.method)
        now = ctx.clock.now()
        reward = await visits.redeem(member, body.reward_id, now, actor, scan_pk=scan.id, key=key)
        program = await find_program(actor.store_id, now)  # a reward is redeemable where no program runs
        return RedeemOut(await scan_out(scan, member, program, now, lang), reward_out(reward, now))

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:redeem", key, body, action)


async def undo(ctx: AppContext, actor: Actor, body: UndoIn, key: str | None, lang: str) -> StoredResponse:
    async def action() -> UndoOut:
        scan, member = await load_scan(actor, body.scan_id, ctx, lock=True)
        now = ctx.clock.now()
        await undo_last(member.id, body.ledger_id, body.reason, now, actor, scan_pk=scan.id, key=key)
        program = await find_program(actor.store_id, now)
        return UndoOut(await scan_out(scan, member, program, now, lang))

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:undo", key, body, action)
