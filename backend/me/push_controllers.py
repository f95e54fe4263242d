"""The member's push subscriptions (upserted on every app open) and push settings (`/api/me/push`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts.deps import MemberAuth, provide_member
from backend.context import AppContext
from backend.push import subscriptions


class MyPushController(Controller):
    path = "/api/me/push"
    tags = ["push"]
    dependencies = {"auth": Provide(provide_member)}

    @post("/subscriptions", status_code=HTTP_204_NO_CONTENT, operation_id="subscribeToPush")
    async def subscribe(
        self,
        ctx: NamedDependency[AppContext],
        auth: NamedDependency[MemberAuth],
        data: subscriptions.SubscriptionIn,
        request: Request[Any, Any, Any],
    ) -> None:
        await subscriptions.upsert(ctx, auth.member.id, data, request.headers.get("user-agent", ""))

    @post("/unsubscribe", status_code=HTTP_204_NO_CONTENT, operation_id="unsubscribeFromPush")
    async def unsubscribe(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: subscriptions.UnsubscribeIn
    ) -> None:
        await subscriptions.remove(ctx, auth.member.id, data.endpoint)

    @get("/settings", operation_id="getMyPushSettings")
    async def get_settings(self, auth: NamedDependency[MemberAuth]) -> subscriptions.PushSettings:
        return await subscriptions.settings_of(auth.member)

    @patch("/settings", operation_id="changeMyPushSettings")
    async def patch_settings(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: subscriptions.PushSettingsIn
    ) -> subscriptions.PushSettings:
        """Service messages on/off; offers on/off is the push marketing consent (recorded in the ledger)."""
        return await subscriptions.change_settings(ctx, auth.member.id, data)
