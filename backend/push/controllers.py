"""Member push endpoints: the server key, subscriptions (upserted on every app open) and settings."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.context import AppContext
from backend.push import receipts, subscriptions
from backend.web.auth import MemberAuth, client_ip, provide_member
from digital_stampcard.errors import DomainError


class PushController(Controller):
    path = "/api"
    tags = ["push"]

    @get("/push/key")
    async def key(self, ctx: NamedDependency[AppContext]) -> dict[str, str]:
        """The VAPID application server key for `PushManager.subscribe`, and its id."""
        if ctx.vapid is None:
            raise DomainError("push_unavailable", "Push notifications are not set up here.", kind="unavailable")
        return {"application_server_key": ctx.vapid.application_server_key, "key_id": ctx.vapid.key_id}

    @post("/push/receipts", status_code=HTTP_204_NO_CONTENT, exclude_from_csrf=True)
    async def receipt(
        self, ctx: NamedDependency[AppContext], data: receipts.ReceiptIn, request: Request[Any, Any, Any]
    ) -> None:
        """The service worker reports a push arrived; the app reports it was opened. The signed token
        in the push is the only credential, so this needs no session (a phone may be logged out)."""
        await receipts.record(ctx, data, client_ip(request))

    @post("/me/push/subscriptions", status_code=HTTP_204_NO_CONTENT, dependencies={"auth": Provide(provide_member)})
    async def subscribe(
        self,
        ctx: NamedDependency[AppContext],
        auth: NamedDependency[MemberAuth],
        data: subscriptions.SubscriptionIn,
        request: Request[Any, Any, Any],
    ) -> None:
        await subscriptions.upsert(ctx, auth.member.id, data, request.headers.get("user-agent", ""))

    @post("/me/push/unsubscribe", status_code=HTTP_204_NO_CONTENT, dependencies={"auth": Provide(provide_member)})
    async def unsubscribe(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: subscriptions.UnsubscribeIn
    ) -> None:
        await subscriptions.remove(ctx, auth.member.id, data.endpoint)

    @get("/me/push/settings", dependencies={"auth": Provide(provide_member)})
    async def get_settings(self, auth: NamedDependency[MemberAuth]) -> subscriptions.PushSettings:
        return await subscriptions.settings_of(auth.member)

    @patch("/me/push/settings", dependencies={"auth": Provide(provide_member)})
    async def patch_settings(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: subscriptions.PushSettingsIn
    ) -> subscriptions.PushSettings:
        """Service messages on/off; offers on/off is the push marketing consent (recorded in the ledger)."""
        return await subscriptions.change_settings(ctx, auth.member.id, data)
