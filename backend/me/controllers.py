"""The member's home screen (`/api/me`), profile and device keys."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts.deps import MemberAuth, provide_member
from backend.context import AppContext
from backend.db import write_transaction
from backend.me import home as home_view
from backend.me.profile import dismiss_prompt, update_profile
from backend.me.schemas import (
    DeviceIn,
    DeviceRegisteredOut,
    MemberHome,
    ProfileIn,
)
from backend.members.registry import register_device


class MeController(Controller):
    path = "/api/me"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/", operation_id="getMemberHome")
    async def get_home(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> MemberHome:
        """The home screen: card, rewards, tier progress, recent activity."""
        return await home_view.home(auth.member, auth.session.id, ctx.clock.now())

    @patch("/profile", operation_id="updateMyProfile")
    async def patch_profile(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: ProfileIn
    ) -> MemberHome:
        """Join step 2. Completing the profile the first time grants the configured bonus stamp."""
        member = await update_profile(ctx, auth.member.id, data)
        return await home_view.home(member, auth.session.id, ctx.clock.now())

    @post("/profile/dismiss", status_code=HTTP_204_NO_CONTENT, operation_id="dismissProfilePrompt")
    async def dismiss(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> None:
        await dismiss_prompt(ctx, auth.member.id)

    @post("/devices", status_code=201, operation_id="registerMyDevice")
    async def add_device(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: DeviceIn
    ) -> DeviceRegisteredOut:
        """Registers a new device key for this session (e.g. after the phone's storage was cleared)."""
        async with write_transaction(ctx.engine):
            device_id = await register_device(
                auth.member.id, data.public_key, data.label, auth.session.id, ctx.clock.now()
            )
        return DeviceRegisteredOut(device_id)
