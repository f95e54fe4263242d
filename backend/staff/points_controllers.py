"""Points at the till, after a scan: `/api/staff/points` (show, earn for a purchase, spend on a reward)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import provide_actor
from backend.context import Actor, AppContext
from backend.core.idempotency import IdempotencyKey
from backend.points import till
from backend.points.schemas import EarnIn, SpendIn, TillPointsOut


class TillPointsController(Controller):
    path = "/api/staff/points"
    tags = ["staff"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/{scan_id:str}", operation_id="showPointsAtTill")
    async def show(
        self, ctx: NamedDependency[AppContext], actor: NamedDependency[Actor], scan_id: str
    ) -> TillPointsOut:
        """The scanned member's points and the catalogue."""
        return await till.show(ctx, actor, scan_id)

    @post("/earnings", status_code=200, responses=None, operation_id="earnPoints")
    async def earn(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: EarnIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TillPointsOut]:
        """Points for a purchase of `amount_ore`, the tier's multiplier applied; pending through the
        refund window."""
        return (await till.earn(ctx, actor, data, idempotency_key)).response()

    @post("/spends", status_code=200, responses=None, operation_id="spendPoints")
    async def spend(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: SpendIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TillPointsOut]:
        """Spend on a reward from the catalogue (only from the member's QR). Never below zero: 409
        `insufficient_points`, whatever other tills or the phone do at the same time."""
        return (await till.spend(ctx, actor, data, idempotency_key)).response()
