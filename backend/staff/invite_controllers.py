"""The one-time invite link (`/api/staff/invites/{token}`): a new staff member picks a username and password."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency

from backend.accounts import invites
from backend.accounts.schemas import (
    AcceptIn,
    InviteInfo,
)
from backend.accounts.staff_login import StaffMeOut
from backend.context import AppContext
from backend.web.auth import client_ip, session_cookie


class InviteLinkController(Controller):
    """For the person who got the e-mail: no session needed, the link is the secret."""

    path = "/api/staff/invites"
    tags = ["staff"]

    @get("/{token:str}", operation_id="getStaffInvite")
    async def show(self, ctx: NamedDependency[AppContext], token: str, request: Request[Any, Any, Any]) -> InviteInfo:
        """What the link is for (a new account or a new password). 404 unknown; 410 used, expired or cancelled."""
        return await invites.lookup(ctx, token, client_ip(request))

    @post("/{token:str}/accept", status_code=200, operation_id="acceptStaffInvite")
    async def accept(
        self, ctx: NamedDependency[AppContext], token: str, data: AcceptIn, request: Request[Any, Any, Any]
    ) -> Response[StaffMeOut]:
        """Uses the link once: sets the username (new accounts) and password, and logs in on this device."""
        body, session = await invites.accept(
            ctx, token, data, request.headers.get("user-agent", ""), client_ip(request)
        )
        return Response(body, cookies=[session_cookie(ctx.settings, session, ctx.settings.staff_session_hours * 3600)])
