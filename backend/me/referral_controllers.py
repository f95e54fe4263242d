"""The member's referral link, its QR and the friends who joined through it (`/api/me/referral`)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import MemberAuth, provide_member
from backend.club.posters import qr_svg
from backend.context import AppContext
from backend.me import referral
from backend.members import referrals
from backend.members.referral_schemas import ReferralsOut


class ReferralController(Controller):
    path = "/api/me/referral"
    tags = ["member: referrals"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/", operation_id="getMyReferrals")
    async def mine(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> ReferralsOut:
        """The member's personal link and the friends who joined through it (when, and whether the member
        was rewarded; never who), the monthly cap, and the status of the friend who referred them."""
        return await referral.overview(ctx, auth.member, ctx.clock.now())

    @get("/qr.svg", media_type="image/svg+xml", operation_id="getMyReferralQr")
    async def qr(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> Response[bytes]:
        """The member's link as a QR code (SVG, drawn once per link and cached)."""
        code = await referrals.ensure_code(ctx, auth.member.id)
        return Response(
            qr_svg(referrals.link(ctx.settings.public_url, code)),
            media_type="image/svg+xml",
            headers={"Cache-Control": "private, max-age=86400"},
        )
