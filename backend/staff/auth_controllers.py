"""Staff login endpoints."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts import staff_login
from backend.accounts.deps import provide_actor
from backend.accounts.sessions import revoke_session
from backend.accounts.tables import StaffAccount
from backend.context import Actor, AppContext
from backend.web.auth import cleared_cookie, client_ip, session_cookie
from digital_stampcard.errors import DomainError


class StaffAuthController(Controller):
    path = "/api/staff"
    tags = ["staff"]

    @post("/login", status_code=200, operation_id="staffLogin")
    async def login(
        self, ctx: NamedDependency[AppContext], data: staff_login.StaffLoginIn, request: Request[Any, Any, Any]
    ) -> Response[staff_login.StaffMeOut]:
        body, token = await staff_login.login(ctx, data, request.headers.get("user-agent", ""), client_ip(request))
        return Response(body, cookies=[session_cookie(ctx.settings, token, ctx.settings.staff_session_hours * 3600)])

    @get("/me", dependencies={"actor": Provide(provide_actor)}, operation_id="getStaffMe")
    async def me(self, actor: NamedDependency[Actor]) -> staff_login.StaffMeOut:
        account = await StaffAccount.objects().where(StaffAccount.id == actor.staff_id).first()
        if account is None:
            raise DomainError("not_authenticated", "Log in to continue.", kind="unauthenticated")
        return await staff_login.staff_out(account)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        dependencies={"actor": Provide(provide_actor)},
        operation_id="staffLogout",
    )
    async def logout(self, ctx: NamedDependency[AppContext], actor: NamedDependency[Actor]) -> Response[None]:
        await revoke_session(actor.session_id, ctx.clock.now())
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[cleared_cookie(ctx.settings)])
