"""Klippekort at the till, after a scan: `/api/staff/prepaid` (show, sell, use a unit, undo, refund)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import provide_actor
from backend.context import Actor, AppContext
from backend.core.idempotency import IdempotencyKey
from backend.prepaid import till
from backend.prepaid.schemas import PrepaidUndoIn, SaleIn, TillPrepaidOut, TillRefundIn, UseIn


class TillPrepaidController(Controller):
    path = "/api/staff/prepaid"
    tags = ["staff"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/{scan_id:str}", operation_id="showPrepaidAtTill")
    async def show(
        self, ctx: NamedDependency[AppContext], actor: NamedDependency[Actor], scan_id: str
    ) -> TillPrepaidOut:
        """The scanned member's klippekort (units left, where they work) and what this store sells."""
        return await till.show(ctx, actor, scan_id)

    @post("/sales", status_code=200, responses=None, operation_id="sellPrepaidCard")
    async def sell(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: SaleIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TillPrepaidOut]:
        """Record a klippekort sold to the member; the payment is taken in the shop's own till."""
        return (await till.sell(ctx, actor, data, idempotency_key)).response()

    @post("/uses", status_code=200, responses=None, operation_id="usePrepaidUnit")
    async def use(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: UseIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TillPrepaidOut]:
        """Use one unit (only from the member's QR). Never below zero: the last unit is used once
        however many tills press at once (409 `prepaid_used_up` for the others)."""
        return (await till.use(ctx, actor, data, idempotency_key)).response()

    @post("/undo", status_code=200, responses=None, operation_id="undoPrepaidAction")
    async def undo(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: PrepaidUndoIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TillPrepaidOut]:
        """Undo the member's last klippekort sale or use, within 5 minutes, at the store that did it."""
        return (await till.undo(ctx, actor, data, idempotency_key)).response()

    @post("/refunds", status_code=200, responses=None, operation_id="refundPrepaidAtTill")
    async def refund(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: TillRefundIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TillPrepaidOut]:
        """Refund the unused units of a card (with a reason) and close it; pay back in the shop's till."""
        return (await till.refund(ctx, actor, data, idempotency_key)).response()
