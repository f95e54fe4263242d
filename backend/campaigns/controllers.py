"""The owner's campaign API, the owner's landing figures, and the member's view of an offer."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter

from backend.campaigns import service
from backend.campaigns.audience import Reach
from backend.campaigns.schemas import (
    AudienceIn,
    CampaignIn,
    CampaignList,
    CampaignOptions,
    CampaignOut,
    OfferOut,
    OverviewOut,
)
from backend.context import Actor, AppContext
from backend.web.auth import MemberAuth, owner_only, provide_member, provide_owner

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name="Idempotency-Key", required=False, description="A fresh UUID per campaign; reuse on retry."),
]


class AdminController(Controller):
    path = "/api/admin"
    tags = ["owner"]
    guards = [owner_only]  # every handler, also those that don't ask for the owner
    dependencies = {"owner": Provide(provide_owner)}

    @get("/overview")
    async def overview(self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor]) -> OverviewOut:
        """The owner's landing: members, how many take pushes and offers, the latest campaign."""
        return await service.overview(ctx, owner)

    @get("/campaigns/options")
    async def options(self, ctx: NamedDependency[AppContext]) -> CampaignOptions:
        """What the campaign form offers: tiers, interests, stores, targets, text limits and the push policy."""
        return await service.options(ctx)

    @post("/campaigns/preview", status_code=200)
    async def preview(self, ctx: NamedDependency[AppContext], data: AudienceIn) -> Reach:
        """How many members a segment reaches at that time, after consent, devices and the weekly cap."""
        return await service.preview(ctx, data)

    @post("/campaigns", status_code=201, responses=None)
    async def create(
        self,
        ctx: NamedDependency[AppContext],
        owner: NamedDependency[Actor],
        data: CampaignIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CampaignOut]:
        """Send now (`send_at` null) or schedule. Needs an Idempotency-Key."""
        stored = await service.create(ctx, owner, data, idempotency_key)
        return Response(content=stored.body, status_code=stored.status, media_type="application/json")

    @get("/campaigns")
    async def list_campaigns(self) -> CampaignList:
        return CampaignList(await service.list_campaigns())

    @get("/campaigns/{campaign_id:int}")
    async def get_campaign(self, campaign_id: int) -> CampaignOut:
        return await service.get_campaign(campaign_id)

    @post("/campaigns/{campaign_id:int}/cancel", status_code=200)
    async def cancel(self, ctx: NamedDependency[AppContext], campaign_id: int) -> CampaignOut:
        """Stops a scheduled campaign; one that has gone out answers 409."""
        return await service.cancel(ctx, campaign_id)


class OfferController(Controller):
    path = "/api/me/offers"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/{campaign_id:int}")
    async def offer(self, auth: NamedDependency[MemberAuth], campaign_id: int) -> OfferOut:
        """A campaign this member was sent, in their language."""
        return await service.offer_for(auth.member, campaign_id)
