"""What a cashier does with klippekort after a scan: sell one, use a unit, undo the last action, refund
what is left. Each runs in one write transaction, serialised per member (the member's row is locked),
behind an Idempotency-Key: a retry gets the first answer, byte for byte, and never acts twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from backend.cards.scans import load_scan
from backend.cards.tables import Scan
from backend.context import Actor, AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from backend.prepaid import cards
from backend.prepaid.entries import last_undoable
from backend.prepaid.products import get_product
from backend.prepaid.schemas import PrepaidUndoIn, SaleIn, TillPrepaidOut, TillRefundIn, UseIn
from backend.prepaid.views import till_view
from digital_stampcard import prepaid as rules
from digital_stampcard import rewards as reward_rules
from digital_stampcard import undo as undo_rules
from digital_stampcard import voids
from digital_stampcard.errors import DomainError


async def _scanned(ctx: AppContext, actor: Actor, scan_id: str) -> Scan:
    scan, _ = await load_scan(actor, scan_id, ctx, lock=True)  # the member's row locked with the read
    return scan


async def show(ctx: AppContext, actor: Actor, scan_id: str) -> TillPrepaidOut:
    scan, _ = await load_scan(actor, scan_id, ctx)
    return await till_view(scan.public_id, scan.member, actor, ctx.clock.now())


def _run(
    ctx: AppContext,
    actor: Actor,
    what: str,
    key: str | None,
    body: object,
    action: Callable[[], Awaitable[TillPrepaidOut]],
) -> Awaitable[StoredResponse]:
    return run_idempotent(ctx, f"staff:{actor.staff_id}:prepaid-{what}", key, body, action)


async def sell(ctx: AppContext, actor: Actor, body: SaleIn, key: str | None) -> StoredResponse:
    async def action() -> TillPrepaidOut:
        scan = await _scanned(ctx, actor, body.scan_id)
        now = ctx.clock.now()
        card_id = await cards.sell(
            scan.member, await get_product(body.product_id), now, actor, scan_pk=scan.id, key=key
        )
        return await till_view(scan.public_id, scan.member, actor, now, "sale", card_id)

    return await _run(ctx, actor, "sale", key, body, action)


async def use(ctx: AppContext, actor: Actor, body: UseIn, key: str | None) -> StoredResponse:
    async def action() -> TillPrepaidOut:
        scan = await _scanned(ctx, actor, body.scan_id)
        reward_rules.check_redeem_method(scan.method)  # a typed number proves nothing: only the QR uses value
        now = ctx.clock.now()
        card = await cards.card_of(scan.member, body.card_id)
        await cards.use_one(card, now, actor, scan_pk=scan.id, key=key)
        return await till_view(scan.public_id, scan.member, actor, now, "use", card.id)

    return await _run(ctx, actor, "use", key, body, action)


async def undo(ctx: AppContext, actor: Actor, body: PrepaidUndoIn, key: str | None) -> StoredResponse:
    async def action() -> TillPrepaidOut:
        scan = await _scanned(ctx, actor, body.scan_id)
        now = ctx.clock.now()
        reason = voids.clean_reason(body.reason)
        last = await last_undoable(scan.member)
        undo_rules.check_undo(
            undoable_id=last.id if last else None,
            asked_id=body.entry_id,
            by_owner=actor.role == "owner",
            same_store=last is not None and last.store == actor.store_id,
            action_at=last.created_at if last else None,
            now=now,
        )
        assert last is not None  # check_undo refused otherwise
        card = await cards.card_of(scan.member, last.card)
        await cards.reverse(card, last, "undo", reason, now, actor, scan_pk=scan.id, key=key)
        return await till_view(scan.public_id, scan.member, actor, now, "undo", card.id)

    return await _run(ctx, actor, "undo", key, body, action)


async def refund(ctx: AppContext, actor: Actor, body: TillRefundIn, key: str | None) -> StoredResponse:
    async def action() -> TillPrepaidOut:
        scan = await _scanned(ctx, actor, body.scan_id)
        now = ctx.clock.now()
        reason = voids.clean_reason(body.reason)
        card = await cards.card_of(scan.member, body.card_id)
        if actor.role != "owner" and not (
            card.sold_store == actor.store_id or rules.works_in(card.store_ids or [], actor.store_id)
        ):
            raise DomainError("prepaid_not_here", "This klippekort does not work in this store.", kind="forbidden")
        await cards.refund(card, reason, now, actor, scan_pk=scan.id, key=key)
        return await till_view(scan.public_id, scan.member, actor, now, "refund", card.id)

    return await _run(ctx, actor, "refund", key, body, action)
