"""Logging in with a passkey (`/api/auth/passkey`); the member's own passkeys are `backend/me`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency

from backend.accounts import passkeys
from backend.accounts.passkey_schemas import PasskeyLoginIn
from backend.context import AppContext
from backend.members.presenters import member_out
from backend.members.schemas import VerifyOut
from backend.web.auth import client_ip, session_cookie


class PasskeyLoginController(Controller):
    path = "/api/auth/passkey"
    tags = ["member login"]

    @post("/options", status_code=200, operation_id="passkeyLoginOptions")
    async def options(self, ctx: NamedDependency[AppContext], request: Request[Any, Any, Any]) -> dict[str, Any]:
        """Options for navigator.credentials.get(): no username, the phone offers its passkey. Limited per IP."""
        return await passkeys.login_options(ctx, client_ip(request))

    @post("/", status_code=200, operation_id="passkeyLogin")
    async def login(
        self, ctx: NamedDependency[AppContext], data: PasskeyLoginIn, request: Request[Any, Any, Any]
    ) -> Response[VerifyOut]:
        """Logs in like a code does: a new member session, and the phone's QR device key registered."""
        result = await passkeys.login(ctx, data, request.headers.get("user-agent", ""), client_ip(request))
        body = VerifyOut(member_out(result.member), result.device_id, result.new_member)
        max_age = ctx.settings.member_session_days * 86_400
        return Response(body, cookies=[session_cookie(ctx.settings, result.session_token, max_age)])
