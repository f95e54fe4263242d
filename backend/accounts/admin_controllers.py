"""The owner's stores-and-staff API (`/api/admin/stores`, `/api/admin/staff`) and the public
one-time invite link (`/api/staff/invites/{token}`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts import invites, staff_admin
from backend.accounts.schemas import (
    AcceptIn,
    InviteIn,
    InviteInfo,
    InviteOut,
    ResetIn,
    StaffAccountOut,
    StaffList,
    StaffPatch,
)
from backend.accounts.staff_login import StaffMeOut
from backend.club import admin as stores
from backend.club.schemas import SignedOut, StoreAdminOut, StoreDevices, StoreIn, StoreList, StorePatch
from backend.context import Actor, AppContext
from backend.web.auth import client_ip, owner_only, provide_owner, session_cookie


class StoreAdminController(Controller):
    path = "/api/admin/stores"
    tags = ["owner: stores and staff"]
    guards = [owner_only]  # every handler, also those that don't ask for the owner
    dependencies = {"owner": Provide(provide_owner)}

    @get("/")
    async def list_stores(self, ctx: NamedDependency[AppContext]) -> StoreList:
        """Every store with its opening hours, whether it is open now, active staff and signed-in devices."""
        return await stores.list_stores(ctx)

    @post("/", status_code=201)
    async def create_store(self, ctx: NamedDependency[AppContext], data: StoreIn) -> StoreAdminOut:
        """A new store. Its slug (used by the join poster) is made from the name and never changes."""
        return await stores.create_store(ctx, data)

    @get("/{store_id:int}")
    async def get_store(self, ctx: NamedDependency[AppContext], store_id: int) -> StoreAdminOut:
        """One store."""
        return await stores.get_store(ctx, store_id)

    @patch("/{store_id:int}")
    async def update_store(self, ctx: NamedDependency[AppContext], store_id: int, data: StorePatch) -> StoreAdminOut:
        """Changes name, address, time zone or opening hours; fields left out stay as they are."""
        return await stores.update_store(ctx, store_id, data)

    @post("/{store_id:int}/sign-out-devices", status_code=200)
    async def sign_out_devices(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], store_id: int
    ) -> SignedOut:
        """Signs out every device logged in with an account of this store (a lost tablet, end of day)."""
        return await stores.sign_out_devices(ctx, owner, store_id)

    @get("/{store_id:int}/devices")
    async def devices(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], store_id: int
    ) -> StoreDevices:
        """The tills signed in with an account of this store: who, which browser, since when, last used."""
        return await stores.store_devices(ctx, owner, store_id)

    @post("/{store_id:int}/devices/{session_id:int}/sign-out", status_code=200)
    async def sign_out_device(self, ctx: NamedDependency[AppContext], store_id: int, session_id: int) -> SignedOut:
        """Signs out one device of this store."""
        return await stores.sign_out_device(ctx, store_id, session_id)


class StaffAdminController(Controller):
    path = "/api/admin/staff"
    tags = ["owner: stores and staff"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/")
    async def list_staff(self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor]) -> StaffList:
        """Every staff, manager and owner account, and the invite links not used yet."""
        return await staff_admin.list_staff(ctx, owner)

    @get("/{staff_id:int}")
    async def get_staff(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int
    ) -> StaffAccountOut:
        """One account."""
        return await staff_admin.get_staff(ctx, owner, staff_id)

    @patch("/{staff_id:int}")
    async def update_staff(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int, data: StaffPatch
    ) -> StaffAccountOut:
        """Changes name, e-mail, role or store. The last active owner cannot be demoted (409 `last_owner`)."""
        return await staff_admin.update_staff(ctx, owner, staff_id, data)

    @post("/{staff_id:int}/disable", status_code=200)
    async def disable(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int
    ) -> StaffAccountOut:
        """No more logins; every device of the account is signed out at once. Not the last active owner."""
        return await staff_admin.disable(ctx, owner, staff_id)

    @post("/{staff_id:int}/enable", status_code=200)
    async def enable(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int
    ) -> StaffAccountOut:
        """Lets a disabled account log in again with its password."""
        return await staff_admin.enable(ctx, owner, staff_id)

    @post("/{staff_id:int}/reset", status_code=201)
    async def reset(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int, data: ResetIn
    ) -> InviteOut:
        """Sends a one-time link to choose a new password. The old password stops working and every
        device is signed out now. The owner never sees a password."""
        return await staff_admin.reset(ctx, owner, staff_id, data)

    @post("/invites", status_code=201)
    async def invite(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], data: InviteIn
    ) -> InviteOut:
        """Invites a person by e-mail: a one-time link, valid 72 hours, where they choose a username and
        password. A second open invite to the same address answers 409 `invite_pending`."""
        return await staff_admin.invite(ctx, owner, data)

    @post("/invites/{invite_id:int}/resend", status_code=201)
    async def resend_invite(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], invite_id: int
    ) -> InviteOut:
        """A fresh link to the same address; the earlier link stops working."""
        return await staff_admin.resend_invite(ctx, owner, invite_id)

    @post("/invites/{invite_id:int}/cancel", status_code=HTTP_204_NO_CONTENT)
    async def cancel_invite(self, ctx: NamedDependency[AppContext], invite_id: int) -> None:
        """The link stops working."""
        await staff_admin.cancel_invite(ctx, invite_id)


class InviteLinkController(Controller):
    """For the person who got the e-mail: no session needed, the link is the secret."""

    path = "/api/staff/invites"
    tags = ["staff"]

    @get("/{token:str}")
    async def show(self, ctx: NamedDependency[AppContext], token: str, request: Request[Any, Any, Any]) -> InviteInfo:
        """What the link is for (a new account or a new password). 404 unknown; 410 used, expired or cancelled."""
        return await invites.lookup(ctx, token, client_ip(request))

    @post("/{token:str}/accept", status_code=200)
    async def accept(
        self, ctx: NamedDependency[AppContext], token: str, data: AcceptIn, request: Request[Any, Any, Any]
    ) -> Response[StaffMeOut]:
        """Uses the link once: sets the username (new accounts) and password, and logs in on this device."""
        body, session = await invites.accept(
            ctx, token, data, request.headers.get("user-agent", ""), client_ip(request)
        )
        return Response(body, cookies=[session_cookie(ctx.settings, session, ctx.settings.staff_session_hours * 3600)])


STORES_AND_STAFF = [StoreAdminController, StaffAdminController, InviteLinkController]
