"""Member endpoints: join or log in with a code, the home screen, the profile, device keys."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.accounts import otp_login
from backend.accounts.sessions import revoke_session
from backend.context import AppContext
from backend.db import write_transaction
from backend.members import home as home_view
from backend.members.profile import dismiss_prompt, update_profile
from backend.members.registry import register_device, revoke_session_devices
from backend.members.schemas import (
    DeviceIn,
    DeviceRegisteredOut,
    MemberHome,
    OtpStartIn,
    OtpStartOut,
    OtpVerifyIn,
    ProfileIn,
    VerifyOut,
)
from backend.web.auth import MemberAuth, cleared_cookie, client_ip, current_session, provide_member, session_cookie


class MemberAuthController(Controller):
    path = "/api/auth"
    tags = ["member login"]

    @post("/otp/start", status_code=HTTP_202_ACCEPTED)
    async def start(
        self, ctx: NamedDependency[AppContext], data: OtpStartIn, request: Request[Any, Any, Any]
    ) -> OtpStartOut:
        """Step 1: send a 6-digit code to the phone or e-mail. Same answer whether or not a member exists."""
        return await otp_login.start(ctx, data, client_ip(request))

    @post("/otp/verify", status_code=200)
    async def verify(
        self, ctx: NamedDependency[AppContext], data: OtpVerifyIn, request: Request[Any, Any, Any]
    ) -> Response[VerifyOut]:
        """Enter the code: creates the member or logs in, starts a new session, registers the device key."""
        caller = await current_session(request, ctx)  # a referrer's own browser cannot refer itself
        caller_member = caller.member_id if caller and caller.kind == "member" else None
        user_agent = request.headers.get("user-agent", "")
        result = await otp_login.verify(ctx, data, user_agent, client_ip(request), caller_member)
        body = VerifyOut(home_view.member_out(result.member), result.device_id, result.new_member, result.referral)
        max_age = ctx.settings.member_session_days * 86_400
        return Response(body, cookies=[session_cookie(ctx.settings, result.session_token, max_age)])

    @post("/logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, ctx: NamedDependency[AppContext], request: Request[Any, Any, Any]) -> Response[None]:
        session = await current_session(request, ctx)
        if session is not None:
            async with write_transaction(ctx.engine):
                await revoke_session(session.id, ctx.clock.now())
                await revoke_session_devices(session.id, ctx.clock.now())
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[cleared_cookie(ctx.settings)])


class MeController(Controller):
    path = "/api/me"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/")
    async def get_home(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> MemberHome:
        """The home screen: card, rewards, tier progress, recent activity."""
        return await home_view.home(auth.member, auth.session.id, ctx.clock.now())

    @patch("/profile")
    async def patch_profile(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: ProfileIn
    ) -> MemberHome:
        """Join step 2. Completing the profile the first time grants the configured bonus stamp."""
        member = await update_profile(ctx, auth.member.id, data)
        return await home_view.home(member, auth.session.id, ctx.clock.now())

    @post("/profile/dismiss", status_code=HTTP_204_NO_CONTENT)
    async def dismiss(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> None:
        await dismiss_prompt(ctx, auth.member.id)

    @post("/devices", status_code=201)
    async def add_device(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: DeviceIn
    ) -> DeviceRegisteredOut:
        """Registers a new device key for this session (e.g. after the phone's storage was cleared)."""
        async with write_transaction(ctx.engine):
            device_id = await register_device(
                auth.member.id, data.public_key, data.label, auth.session.id, ctx.clock.now()
            )
        return DeviceRegisteredOut(device_id)
