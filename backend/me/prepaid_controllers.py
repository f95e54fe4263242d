"""The member's own klippekort: `/api/me/prepaid` (every card held, with its history)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import MemberAuth, provide_member
from backend.context import AppContext
from backend.prepaid.schemas import MemberPrepaidHistory
from backend.prepaid.views import history


class MyPrepaidController(Controller):
    path = "/api/me/prepaid"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/", operation_id="getMyPrepaidCards")
    async def cards(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> MemberPrepaidHistory:
        """Every klippekort the member has held, newest first: units left, when it runs out, and each
        sale, use, undo, void and refund."""
        return await history(auth.member.id, ctx.clock.now())
