"""An offer as the member opens it from a push (`/api/me/offers/{id}`)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import MemberAuth, provide_member
from backend.campaigns import service
from backend.campaigns.schemas import (
    OfferOut,
)


class OfferController(Controller):
    path = "/api/me/offers"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/{campaign_id:int}", operation_id="getOffer")
    async def offer(self, auth: NamedDependency[MemberAuth], campaign_id: int) -> OfferOut:
        """A campaign this member was sent, in their language."""
        return await service.offer_for(auth.member, campaign_id)
