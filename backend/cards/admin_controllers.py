"""The owner's program and tier API (`/api/admin/programs`, `/api/admin/tiers`)."""

from __future__ import annotations

from litestar import Controller, get, patch, post, put
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import owner_only, provide_owner
from backend.cards import program_admin, tier_admin
from backend.cards.admin_schemas import (
    LadderIn,
    LadderOut,
    PreviewOut,
    ProgramIn,
    ProgramList,
    ProgramOut,
    ProgramPatch,
)
from backend.context import AppContext


class ProgramAdminController(Controller):
    path = "/api/admin/programs"
    tags = ["owner: programs and tiers"]
    guards = [owner_only]  # every handler, also those that don't ask for the owner
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="listPrograms")
    async def list_programs(self, ctx: NamedDependency[AppContext]) -> ProgramList:
        """Every program (active first) and the stores one can limit a program to."""
        return await program_admin.list_programs(ctx)

    @post("/", status_code=201, operation_id="createProgram")
    async def create_program(self, ctx: NamedDependency[AppContext], data: ProgramIn) -> ProgramOut:
        """A new active program. Refused (409 `program_overlap`) when another active program already
        applies to one of its stores at the same time."""
        return await program_admin.create_program(ctx, data)

    @get("/{program_id:int}", operation_id="getProgram")
    async def get_program(self, ctx: NamedDependency[AppContext], program_id: int) -> ProgramOut:
        return await program_admin.get_program(ctx, program_id)

    @patch("/{program_id:int}", operation_id="updateProgram")
    async def update_program(self, ctx: NamedDependency[AppContext], program_id: int, data: ProgramPatch) -> ProgramOut:
        """Changes the fields sent. Cards already started keep their rules; new cards get these."""
        return await program_admin.update_program(ctx, program_id, data)

    @post("/{program_id:int}/deactivate", status_code=200, operation_id="deactivateProgram")
    async def deactivate(self, ctx: NamedDependency[AppContext], program_id: int) -> ProgramOut:
        """Stops stamping on this program at once; its cards and rewards stay."""
        return await program_admin.set_active(ctx, program_id, False)

    @post("/{program_id:int}/activate", status_code=200, operation_id="activateProgram")
    async def activate(self, ctx: NamedDependency[AppContext], program_id: int) -> ProgramOut:
        """Turns it on again, unless it would overlap another active program."""
        return await program_admin.set_active(ctx, program_id, True)


class TierAdminController(Controller):
    path = "/api/admin/tiers"
    tags = ["owner: programs and tiers"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="getTierLadder")
    async def get_ladder(self) -> LadderOut:
        """The ladder, lowest first, with how many members hold each tier, and the window in days."""
        return await tier_admin.get_ladder()

    @put("/", status_code=200, operation_id="saveTierLadder")
    async def save_ladder(self, ctx: NamedDependency[AppContext], data: LadderIn) -> LadderOut:
        """Replaces the whole ladder and window. Nobody is moved down by this (only the yearly
        review demotes); members who now qualify for a higher tier move up at their next stamp."""
        return await tier_admin.save_ladder(ctx, data)

    @post("/preview", status_code=200, operation_id="previewTierLadder")
    async def preview(self, ctx: NamedDependency[AppContext], data: LadderIn) -> PreviewOut:
        """For a proposed ladder and window: members per tier by stamps earned in the window now,
        beside how many hold each tier today. Nothing is saved."""
        return await tier_admin.preview(ctx, data)
