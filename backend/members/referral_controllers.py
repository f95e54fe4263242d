"""Referral endpoints: the member's link, QR and referrals (`/api/me/referral`), and the link itself
(`/r/{code}`), which opens the join page with the referral remembered."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect

from backend.club.posters import qr_svg
from backend.context import AppContext
from backend.members import referrals
from backend.members.referral_schemas import ReferralsOut
from backend.web.auth import MemberAuth, provide_member
from digital_stampcard.referrals import normalise_code


class ReferralController(Controller):
    path = "/api/me/referral"
    tags = ["member: referrals"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/")
    async def mine(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> ReferralsOut:
        """The member's personal link and the friends who joined through it (when, and whether the member
        was rewarded; never who), the monthly cap, and the status of the friend who referred them."""
        return await referrals.overview(ctx, auth.member, ctx.clock.now())

    @get("/qr.svg", media_type="image/svg+xml")
    async def qr(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> Response[bytes]:
        """The member's link as a QR code (SVG, drawn once per link and cached)."""
        code = await referrals.ensure_code(ctx, auth.member.id)
        return Response(
            qr_svg(referrals.link(ctx.settings.public_url, code)),
            media_type="image/svg+xml",
            headers={"Cache-Control": "private, max-age=86400"},
        )


@get("/r/{code:str}", include_in_schema=False, sync_to_thread=False)
def referral_link(code: FromPath[str]) -> Redirect:
    """A friend's link: the join page, with the code for the one-time code step to carry."""
    clean = normalise_code(code)
    return Redirect(f"/join?ref={quote(clean)}" if clean else "/join", status_code=302)


REFERRALS = [ReferralController, referral_link]
