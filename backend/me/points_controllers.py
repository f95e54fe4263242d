"""The member's own points: `/api/me/points` (balance, the catalogue, history)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import MemberAuth, provide_member
from backend.context import AppContext
from backend.points.schemas import MemberPointsOut
from backend.points.views import member_points


class MyPointsController(Controller):
    path = "/api/me/points"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/", operation_id="getMyPoints")
    async def points(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> MemberPointsOut:
        """Points to spend now, pending (inside the refund window) and expiring soon; what the catalogue
        has now; the history, newest first. 404 `no_points_program` when the club runs none."""
        return await member_points(auth.member.id, ctx.clock.now())
