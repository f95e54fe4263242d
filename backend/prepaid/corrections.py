"""The owner's corrections from the back office: void a sale or a use, refund what is left of a card.
One write transaction each, serialised per member, behind an Idempotency-Key; the unique `reverses`
column is the last defence against voiding twice."""

from __future__ import annotations

from backend.context import Actor, AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from backend.members.locking import lock_member
from backend.prepaid import cards
from backend.prepaid.entries import reversal_of
from backend.prepaid.schemas import CorrectionOut, OwnerRefundIn, PrepaidVoidIn
from backend.prepaid.tables import PrepaidCard, PrepaidEntry
from backend.prepaid.views import status_of
from digital_stampcard import prepaid as rules
from digital_stampcard import voids
from digital_stampcard.errors import DomainError


async def _after(entry_id: int, card_id: int, kind: str) -> CorrectionOut:
    entry = await PrepaidEntry.objects().where(PrepaidEntry.id == entry_id).first()
    card = await PrepaidCard.objects().where(PrepaidCard.id == card_id).first()
    assert entry is not None and card is not None  # written in this transaction
    return CorrectionOut(
        entry_id=entry_id,
        card_id=card_id,
        kind=kind,
        units=entry.units,
        value_ore=entry.value_ore,
        left=rules.remaining(card.units, card.used) if card.status == "active" else 0,
        status=status_of(card, entry.created_at),
    )


async def void(ctx: AppContext, owner: Actor, body: PrepaidVoidIn, key: str | None) -> StoredResponse:
    async def action() -> CorrectionOut:
        entry = await PrepaidEntry.objects().where(PrepaidEntry.id == body.entry_id).first()
        if entry is None:
            raise DomainError("not_found", "There is no such klippekort entry.", kind="not_found")
        await lock_member(ctx.engine, entry.member)
        reason = voids.clean_reason(body.reason)
        card = await cards.card_of(entry.member, entry.card)
        rules.check_voidable(entry.kind, await reversal_of(entry.id) is not None, card.used)
        now = ctx.clock.now()
        void_id = await cards.reverse(card, entry, "void", reason, now, owner, scan_pk=None, key=key)
        return await _after(void_id, card.id, "void")

    return await run_idempotent(ctx, f"owner:{owner.staff_id}:prepaid-void", key, body, action)


async def refund(ctx: AppContext, owner: Actor, body: OwnerRefundIn, key: str | None) -> StoredResponse:
    async def action() -> CorrectionOut:
        row = await PrepaidCard.select(PrepaidCard.member).where(PrepaidCard.id == body.card_id).first()
        if row is None:
            raise DomainError("not_found", "There is no such klippekort.", kind="not_found")
        await lock_member(ctx.engine, row["member"])
        reason = voids.clean_reason(body.reason)
        card = await cards.card_of(row["member"], body.card_id)
        refund_id = await cards.refund(card, reason, ctx.clock.now(), owner, scan_pk=None, key=key)
        return await _after(refund_id, card.id, "refund")

    return await run_idempotent(ctx, f"owner:{owner.staff_id}:prepaid-refund", key, body, action)
