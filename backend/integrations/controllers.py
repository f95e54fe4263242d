"""The owner's webhook API (a screen in the admin area comes with the POS work)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import owner_only, provide_owner
from backend.context import Actor, AppContext
from backend.integrations import endpoints


class WebhookController(Controller):
    path = "/api/admin/webhooks"
    tags = ["owner", "webhooks"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="listWebhooks")
    async def list_endpoints(self) -> endpoints.EndpointList:
        """Every endpoint, and the events one can subscribe to."""
        return await endpoints.list_endpoints()

    @post("/", status_code=201, operation_id="createWebhook")
    async def create(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], data: endpoints.EndpointIn
    ) -> endpoints.CreatedEndpoint:
        """Adds an endpoint. The answer holds its signing secret, shown this once.

        Each POST carries `Stampcard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`,
        `Stampcard-Event` and `Stampcard-Delivery`; the body is `{"id", "type", "created_at", "data"}`.
        Refuse a `t` older than 5 minutes and de-duplicate on `id`: failed deliveries are retried with
        backoff (13 tries over about a day)."""
        return await endpoints.create(ctx, owner, data)

    @post("/{endpoint_id:int}/disable", status_code=200, operation_id="disableWebhook")
    async def disable(self, ctx: NamedDependency[AppContext], endpoint_id: int) -> endpoints.EndpointOut:
        return await endpoints.disable(ctx, endpoint_id)

    @get("/{endpoint_id:int}/deliveries", operation_id="listWebhookDeliveries")
    async def deliveries(self, endpoint_id: int) -> endpoints.DeliveryLog:
        """The newest 100 deliveries to this endpoint, with the answer each got."""
        return await endpoints.deliveries(endpoint_id)
