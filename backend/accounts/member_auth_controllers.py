"""Member sign-in (`/api/auth`): join or log in with a one-time code, and log out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.accounts import otp_login
from backend.accounts.deps import current_session
from backend.accounts.sessions import revoke_session
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.presenters import member_out
from backend.members.registry import revoke_session_devices
from backend.members.schemas import OtpStartIn, OtpStartOut, OtpVerifyIn, VerifyOut
from backend.web.auth import cleared_cookie, client_ip, session_cookie


class MemberAuthController(Controller):
    path = "/api/auth"
    tags = ["member login"]

    @post("/otp/start", status_code=HTTP_202_ACCEPTED, operation_id="startOtp")
    async def start(
        self, ctx: NamedDependency[AppContext], data: OtpStartIn, request: Request[Any, Any, Any]
    ) -> OtpStartOut:
        """Step 1: send a 6-digit code to the phone or e-mail. Same answer whether or not a member exists."""
        return await otp_login.start(ctx, data, client_ip(request))

    @post("/otp/verify", status_code=200, operation_id="verifyOtp")
    async def verify(
        self, ctx: NamedDependency[AppContext], data: OtpVerifyIn, request: Request[Any, Any, Any]
    ) -> Response[VerifyOut]:
        """Enter the code: creates the member or logs in, starts a new session, registers the device key."""
        caller = await current_session(request, ctx)  # a referrer's own browser cannot refer itself
        caller_member = caller.member_id if caller and caller.kind == "member" else None
        user_agent = request.headers.get("user-agent", "")
        result = await otp_login.verify(ctx, data, user_agent, client_ip(request), caller_member)
        body = VerifyOut(member_out(result.member), result.device_id, result.new_member, result.referral)
        max_age = ctx.settings.member_session_days * 86_400
        return Response(body, cookies=[session_cookie(ctx.settings, result.session_token, max_age)])

    @post("/logout", status_code=HTTP_204_NO_CONTENT, operation_id="memberLogout")
    async def logout(self, ctx: NamedDependency[AppContext], request: Request[Any, Any, Any]) -> Response[None]:
        session = await current_session(request, ctx)
        if session is not None:
            async with write_transaction(ctx.engine):
                await revoke_session(session.id, ctx.clock.now())
                await revoke_session_devices(session.id, ctx.clock.now())
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[cleared_cookie(ctx.settings)])
