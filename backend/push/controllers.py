"""Push endpoints anyone may call (`/api/push`): the server key, and receipts of a push arriving or
being opened. The member's subscriptions and settings are `backend/me/push_controllers.py`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.context import AppContext
from backend.push import receipts
from backend.web.auth import client_ip
from digital_stampcard.errors import DomainError


class PushController(Controller):
    path = "/api/push"
    tags = ["push"]

    @get("/key", operation_id="getPushServerKey")
    async def key(self, ctx: NamedDependency[AppContext]) -> dict[str, str]:
        """The VAPID application server key for `PushManager.subscribe`, and its id."""
        if ctx.vapid is None:
            raise DomainError("push_unavailable", "Push notifications are not set up here.", kind="unavailable")
        return {"application_server_key": ctx.vapid.application_server_key, "key_id": ctx.vapid.key_id}

    @post("/receipts", status_code=HTTP_204_NO_CONTENT, exclude_from_csrf=True, operation_id="reportPushReceipt")
    async def receipt(
        self, ctx: NamedDependency[AppContext], data: receipts.ReceiptIn, request: Request[Any, Any, Any]
    ) -> None:
        """The service worker reports a push arrived; the app reports it was opened. The signed token
        in the push is the only credential, so this needs no session (a phone may be logged out)."""
        await receipts.record(ctx, data, client_ip(request))
