"""The owner's points API (`/api/admin/points`): the program's rules and the reward catalogue."""

from __future__ import annotations

from litestar import Controller, get, patch, post, put
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import owner_only, provide_owner
from backend.context import AppContext
from backend.points import program
from backend.points.schemas import ItemIn, ItemOut, ItemPatch, PointsAdminOut, PointsProgramIn, PointsProgramOut


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
