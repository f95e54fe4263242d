"""The owner's campaign API (`/api/admin/campaigns`)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import owner_only, provide_owner
from backend.campaigns import service
from backend.campaigns.audience import Reach
from backend.campaigns.schemas import (
    AudienceIn,
    CampaignIn,
    CampaignList,
    CampaignOptions,
    CampaignOut,
    MessagePreviewIn,
    MessagePreviewOut,
)
from backend.context import Actor, AppContext
from backend.core.idempotency import IdempotencyKey


class CampaignAdminController(Controller):
    path = "/api/admin/campaigns"
    tags = ["owner: campaigns"]
    guards = [owner_only]  # every handler, also those that don't ask for the owner
    dependencies = {"owner": Provide(provide_owner)}

    @get("/options", operation_id="getCampaignOptions")
    async def options(self, ctx: NamedDependency[AppContext]) -> CampaignOptions:
        """What the campaign form offers: tiers, interests, stores, targets, text limits and the push policy."""
        return await service.options(ctx)

    @post("/preview", status_code=200, operation_id="previewCampaignReach")
    async def preview(self, ctx: NamedDependency[AppContext], data: AudienceIn) -> Reach:
        """How many members a segment reaches at that time by each channel, after consent, devices and
        addresses and the weekly cap; with the texts, what the SMS cost."""
        return await service.preview(ctx, data)

    @post("/message-preview", status_code=200, operation_id="previewCampaignMessage")
    async def message_preview(self, ctx: NamedDependency[AppContext], data: MessagePreviewIn) -> MessagePreviewOut:
        """The SMS a member gets (with its opt-out link, segment count and cost) and the e-mail as a phone shows it."""
        return await service.message_preview(ctx, data)

    @post("/", status_code=201, responses=None, operation_id="createCampaign")
    async def create(
        self,
        ctx: NamedDependency[AppContext],
        owner: NamedDependency[Actor],
        data: CampaignIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CampaignOut]:
        """Send now (`send_at` null) or schedule. Needs an Idempotency-Key."""
        stored = await service.create(ctx, owner, data, idempotency_key)
        return stored.response()

    @get("/", operation_id="listCampaigns")
    async def list_campaigns(self) -> CampaignList:
        return CampaignList(await service.list_campaigns())

    @get("/{campaign_id:int}", operation_id="getCampaign")
    async def get_campaign(self, campaign_id: int) -> CampaignOut:
        return await service.get_campaign(campaign_id)

    @post("/{campaign_id:int}/cancel", status_code=200, operation_id="cancelCampaign")
    async def cancel(self, ctx: NamedDependency[AppContext], campaign_id: int) -> CampaignOut:
        """Stops a scheduled campaign; one that has gone out answers 409."""
        return await service.cancel(ctx, campaign_id)
