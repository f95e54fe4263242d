"""The owner's API-key screen's API: the keys a store's till or web shop uses for the POS API."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import owner_only, provide_owner
from backend.context import Actor, AppContext
from backend.integrations import api_keys


class ApiKeyController(Controller):
    path = "/api/admin/api-keys"
    tags = ["owner", "POS"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="listApiKeys")
    async def list_keys(self) -> api_keys.ApiKeyList:
        """Every key (newest first, revoked ones too) and the scopes there are. Never the key itself."""
        return await api_keys.list_keys()

    @post("/", status_code=201, operation_id="createApiKey")
    async def create(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], data: api_keys.ApiKeyIn
    ) -> api_keys.CreatedApiKey:
        """A key for one store. The answer holds the key, shown this once: only its SHA-256 is kept."""
        return await api_keys.create(ctx, owner, data)

    @post("/{key_id:int}/revoke", status_code=200, operation_id="revokeApiKey")
    async def revoke(self, ctx: NamedDependency[AppContext], key_id: int) -> api_keys.ApiKeyOut:
        """The key stops working at once (401)."""
        return await api_keys.revoke(ctx, key_id)
