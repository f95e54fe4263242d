"""Passkey endpoints: a member adds, lists and removes passkeys; anyone logs in with one."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts import passkeys
from backend.accounts.passkey_schemas import PasskeyLoginIn, PasskeyOut, PasskeyRegisterIn
from backend.context import AppContext
from backend.members import home as home_view
from backend.members.schemas import VerifyOut
from backend.web.auth import MemberAuth, client_ip, provide_member, session_cookie


class MyPasskeysController(Controller):
    path = "/api/me/passkeys"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @post("/options", status_code=200)
    async def options(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> dict[str, Any]:
        """Options for navigator.credentials.create(): a fresh single-use challenge bound to this member."""
        return await passkeys.registration_options(ctx, auth.member)

    @post("/", status_code=201)
    async def add(
        self,
        ctx: NamedDependency[AppContext],
        auth: NamedDependency[MemberAuth],
        data: PasskeyRegisterIn,
        request: Request[Any, Any, Any],
    ) -> PasskeyOut:
        """Verifies the new credential and keeps it; named after the phone's browser."""
        return await passkeys.add_passkey(ctx, auth.member, data.credential, request.headers.get("user-agent", ""))

    @get("/")
    async def list_mine(self, auth: NamedDependency[MemberAuth]) -> list[PasskeyOut]:
        return await passkeys.list_passkeys(auth.member.id)

    @delete("/{passkey_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, auth: NamedDependency[MemberAuth], passkey_id: FromPath[int]) -> None:
        await passkeys.delete_passkey(auth.member.id, passkey_id)


class PasskeyLoginController(Controller):
    path = "/api/auth/passkey"
    tags = ["member login"]

    @post("/options", status_code=200)
    async def options(self, ctx: NamedDependency[AppContext], request: Request[Any, Any, Any]) -> dict[str, Any]:
        """Options for navigator.credentials.get(): no username, the phone offers its passkey. Limited per IP."""
        return await passkeys.login_options(ctx, client_ip(request))

    @post("/", status_code=200)
    async def login(
        self, ctx: NamedDependency[AppContext], data: PasskeyLoginIn, request: Request[Any, Any, Any]
    ) -> Response[VerifyOut]:
        """Logs in like a code does: a new member session, and the phone's QR device key registered."""
        result = await passkeys.login(ctx, data, request.headers.get("user-agent", ""), client_ip(request))
        body = VerifyOut(home_view.member_out(result.member), result.device_id, result.new_member)
        max_age = ctx.settings.member_session_days * 86_400
        return Response(body, cookies=[session_cookie(ctx.settings, result.session_token, max_age)])
