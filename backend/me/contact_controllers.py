"""Min side: change the phone number or e-mail, confirmed with a code sent to the new address."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_202_ACCEPTED

from backend.accounts.deps import MemberAuth, provide_member
from backend.context import AppContext
from backend.me import contact_change
from backend.members.presenters import member_out
from backend.members.schemas import MemberOut, OtpStartOut
from backend.web.auth import client_ip


class ContactChangeController(Controller):
    path = "/api/me/contact"
    tags = ["member: min side"]
    dependencies = {"auth": Provide(provide_member)}

    @post("/start", status_code=HTTP_202_ACCEPTED, operation_id="startContactChange")
    async def start(
        self,
        ctx: NamedDependency[AppContext],
        auth: NamedDependency[MemberAuth],
        data: contact_change.ContactStartIn,
        request: Request[Any, Any, Any],
    ) -> OtpStartOut:
        """Sends a 6-digit code to the new phone number or e-mail (the login code's limits apply)."""
        return await contact_change.start(ctx, auth.member, data, client_ip(request))

    @post("/verify", status_code=200, operation_id="verifyContactChange")
    async def verify(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: contact_change.ContactVerifyIn
    ) -> MemberOut:
        """The code from the new address: the member's phone or e-mail becomes it (the other kind is cleared).
        An address another member has is refused as `identifier_unavailable`, without saying whose."""
        return member_out(await contact_change.verify(ctx, auth.member.id, data))
