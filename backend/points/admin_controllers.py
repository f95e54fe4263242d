"""The owner's points API (`/api/admin/points`): the program's rules and the reward catalogue."""

from __future__ import annotations

from litestar import Controller, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import owner_only, provide_owner
from backend.context import Actor, AppContext
from backend.core.idempotency import IdempotencyKey
from backend.points import corrections, program
from backend.points.schemas import (
    ItemIn,
    ItemOut,
    ItemPatch,
    PointsAdminOut,
    PointsProgramIn,
    PointsProgramOut,
    PointsReversalIn,
    PointsReversalOut,
)


class PointsAdminController(Controller):
    path = "/api/admin/points"
    tags = ["owner: points"]
    guards = [owner_only]  # every handler, also those that don't ask for the owner
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="getPointsProgram")
    async def show(self) -> PointsAdminOut:
        """The points program (null before one is set up) and every reward in the catalogue."""
        return await program.admin_view()

    @put("/", operation_id="savePointsProgram")
    async def save(self, ctx: NamedDependency[AppContext], data: PointsProgramIn) -> PointsProgramOut:
        """Sets up or changes the program. Points already earned keep the dates they were earned with."""
        return await program.save_program(ctx, data)

    @post("/items", status_code=201, operation_id="addPointsItem")
    async def add_item(self, ctx: NamedDependency[AppContext], data: ItemIn) -> ItemOut:
        return await program.add_item(ctx, data)

    @patch("/items/{item_id:int}", operation_id="updatePointsItem")
    async def update_item(self, ctx: NamedDependency[AppContext], item_id: int, data: ItemPatch) -> ItemOut:
        """Changes the fields sent; `active: false` takes the reward out of the catalogue."""
        return await program.update_item(ctx, item_id, data)

    @post("/reversals", status_code=200, responses=None, operation_id="reversePoints")
    async def reverse(
        self,
        ctx: NamedDependency[AppContext],
        owner: NamedDependency[Actor],
        data: PointsReversalIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PointsReversalOut]:
        """Takes back exactly the points an earning gave (a refunded or voided purchase): what is left
        of them, and what was spent from them out of the member's other points, never below zero
        (`shortfall`: what was not there). Once per earning (409 `already_reversed`)."""
        return (await corrections.reverse(ctx, owner, data, idempotency_key)).response()
