"""The owner's corrections: take back what an earning gave. One write transaction, the member's row
locked, behind an Idempotency-Key, so a retry never takes twice and the balance never goes below zero."""

from __future__ import annotations

from backend import outbox
from backend.context import Actor, AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from backend.members.locking import lock_member
from backend.points import ledger
from backend.points.program import rules_of, running_program
from backend.points.schemas import PointsReversalIn, PointsReversalOut
from backend.points.tables import PointsEntry
from digital_stampcard import voids
from digital_stampcard.effects import Webhook
from digital_stampcard.errors import DomainError


async def reverse(ctx: AppContext, owner: Actor, body: PointsReversalIn, key: str | None) -> StoredResponse:
    async def action() -> PointsReversalOut:
        entry = await PointsEntry.select(PointsEntry.member, PointsEntry.kind).where(PointsEntry.id == body.entry_id)
        if not entry or entry[0]["kind"] != "earn":
            raise DomainError("not_found", "There are no such points to take back.", kind="not_found")
        member_id = entry[0]["member"]
        reason = voids.clean_reason(body.reason)
        await lock_member(ctx.engine, member_id)
        now = ctx.clock.now()
        reversal = await ledger.reverse(member_id, body.entry_id, reason, now, owner, key=key)
        taken = sum(t.points for t in reversal.takes)
        event = {"entry_id": body.entry_id, "points": taken, "shortfall": reversal.shortfall}
        await outbox.write([Webhook("points.reversed", member_id, event)], now)
        program = rules_of(await running_program())
        balance = ledger.balance_out(await ledger.lots_of(member_id), now, program)
        return PointsReversalOut(body.entry_id, taken, reversal.shortfall, balance)

    return await run_idempotent(ctx, f"owner:{owner.staff_id}:points-reverse", key, body, action)
