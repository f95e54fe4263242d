"""Public club information: configuration for the app and the join-poster QR per store."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from backend.club.posters import join_url, qr_svg
from backend.club.service import BusinessOut, ConfigOut, InterestOut, get_club, list_stores, store_by_slug
from backend.context import AppContext
from digital_stampcard.errors import DomainError
from digital_stampcard.member_qr import STEP_SECONDS


class ClubController(Controller):
    path = "/api"
    tags = ["club"]

    @get("/config", operation_id="getClubConfig")
    async def config(self, ctx: NamedDependency[AppContext]) -> ConfigOut:
        """What the app needs to draw its screens: the business, its stores, interests and terms version."""
        club = await get_club()
        return ConfigOut(
            business=BusinessOut(club.name),
            stores=await list_stores(),
            interests=[InterestOut(i["code"], i["label_nb"], i["label_en"]) for i in club.interests],
            terms_version=club.terms_version,
            terms_url=club.terms_url,
            qr_step_seconds=STEP_SECONDS,
            environment=ctx.settings.environment,
        )

    @get("/stores/{slug:str}/join-qr.svg", media_type="image/svg+xml", operation_id="getJoinPosterQr")
    async def join_qr(
        self, ctx: NamedDependency[AppContext], slug: FromPath[str], via: Literal["poster", "staff"] = "poster"
    ) -> Response[bytes]:
        """The QR on the store's join poster (or, with `via=staff`, the one the till shows a customer):
        opens the join page with the store as the member's source."""
        if await store_by_slug(slug) is None:
            raise DomainError("not_found", "No such store.", kind="not_found")
        return Response(
            qr_svg(join_url(ctx.settings.public_url, slug, via)),
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )
