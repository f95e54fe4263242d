"""The member's passkeys (`/api/me/passkeys`): add, list and remove (logging in with one is `/api/auth/passkey`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts import passkeys
from backend.accounts.deps import MemberAuth, provide_member
from backend.accounts.passkey_schemas import PasskeyOut, PasskeyRegisterIn
from backend.context import AppContext


class MyPasskeysController(Controller):
    path = "/api/me/passkeys"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @post("/options", status_code=200, operation_id="passkeyRegistrationOptions")
    async def options(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> dict[str, Any]:
        """Options for navigator.credentials.create(): a fresh single-use challenge bound to this member."""
        return await passkeys.registration_options(ctx, auth.member)

    @post("/", status_code=201, operation_id="addMyPasskey")
    async def add(
        self,
        ctx: NamedDependency[AppContext],
        auth: NamedDependency[MemberAuth],
        data: PasskeyRegisterIn,
        request: Request[Any, Any, Any],
    ) -> PasskeyOut:
        """Verifies the new credential and keeps it; named after the phone's browser."""
        return await passkeys.add_passkey(ctx, auth.member, data.credential, request.headers.get("user-agent", ""))

    @get("/", operation_id="listMyPasskeys")
    async def list_mine(self, auth: NamedDependency[MemberAuth]) -> list[PasskeyOut]:
        return await passkeys.list_passkeys(auth.member.id)

    @delete("/{passkey_id:int}", status_code=HTTP_204_NO_CONTENT, operation_id="removeMyPasskey")
    async def remove(self, auth: NamedDependency[MemberAuth], passkey_id: FromPath[int]) -> None:
        await passkeys.delete_passkey(auth.member.id, passkey_id)
