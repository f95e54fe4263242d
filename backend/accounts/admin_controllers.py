"""The owner's stores-and-staff API (`/api/admin/stores`, `/api/admin/staff`)."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts import staff_admin
from backend.accounts import store_admin as stores
from backend.accounts.deps import owner_only, provide_owner
from backend.accounts.schemas import (
    InviteIn,
    InviteOut,
    ResetIn,
    StaffAccountOut,
    StaffList,
    StaffPatch,
)
from backend.club.schemas import SignedOut, StoreAdminOut, StoreDevices, StoreIn, StoreList, StorePatch
from backend.context import Actor, AppContext


class StoreAdminController(Controller):
    path = "/api/admin/stores"
    tags = ["owner: stores and staff"]
    guards = [owner_only]  # every handler, also those that don't ask for the owner
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="listStores")
    async def list_stores(self, ctx: NamedDependency[AppContext]) -> StoreList:
        """Every store with its opening hours, whether it is open now, active staff and signed-in devices."""
        return await stores.list_stores(ctx)

    @post("/", status_code=201, operation_id="createStore")
    async def create_store(self, ctx: NamedDependency[AppContext], data: StoreIn) -> StoreAdminOut:
        """A new store. Its slug (used by the join poster) is made from the name and never changes."""
        return await stores.create_store(ctx, data)

    @get("/{store_id:int}", operation_id="getStore")
    async def get_store(self, ctx: NamedDependency[AppContext], store_id: int) -> StoreAdminOut:
        """One store."""
        return await stores.get_store(ctx, store_id)

    @patch("/{store_id:int}", operation_id="updateStore")
    async def update_store(self, ctx: NamedDependency[AppContext], store_id: int, data: StorePatch) -> StoreAdminOut:
        """Changes name, address, time zone or opening hours; fields left out stay as they are."""
        return await stores.update_store(ctx, store_id, data)

    @post("/{store_id:int}/sign-out-devices", status_code=200, operation_id="signOutStoreDevices")
    async def sign_out_devices(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], store_id: int
    ) -> SignedOut:
        """Signs out every device logged in with an account of this store (a lost tablet, end of day)."""
        return await stores.sign_out_devices(ctx, owner, store_id)

    @get("/{store_id:int}/devices", operation_id="listStoreDevices")
    async def devices(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], store_id: int
    ) -> StoreDevices:
        """The tills signed in with an account of this store: who, which browser, since when, last used."""
        return await stores.store_devices(ctx, owner, store_id)

    @post("/{store_id:int}/devices/{session_id:int}/sign-out", status_code=200, operation_id="signOutStoreDevice")
    async def sign_out_device(self, ctx: NamedDependency[AppContext], store_id: int, session_id: int) -> SignedOut:
        """Signs out one device of this store."""
        return await stores.sign_out_device(ctx, store_id, session_id)


class StaffAdminController(Controller):
    path = "/api/admin/staff"
    tags = ["owner: stores and staff"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="listStaff")
    async def list_staff(self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor]) -> StaffList:
        """Every staff, manager and owner account, and the invite links not used yet."""
        return await staff_admin.list_staff(ctx, owner)

    @get("/{staff_id:int}", operation_id="getStaff")
    async def get_staff(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int
    ) -> StaffAccountOut:
        """One account."""
        return await staff_admin.get_staff(ctx, owner, staff_id)

    @patch("/{staff_id:int}", operation_id="updateStaff")
    async def update_staff(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int, data: StaffPatch
    ) -> StaffAccountOut:
        """Changes name, e-mail, role or store. The last active owner cannot be demoted (409 `last_owner`)."""
        return await staff_admin.update_staff(ctx, owner, staff_id, data)

    @post("/{staff_id:int}/disable", status_code=200, operation_id="disableStaff")
    async def disable(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int
    ) -> StaffAccountOut:
        """No more logins; every device of the account is signed out at once. Not the last active owner."""
        return await staff_admin.disable(ctx, owner, staff_id)

    @post("/{staff_id:int}/enable", status_code=200, operation_id="enableStaff")
    async def enable(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int
    ) -> StaffAccountOut:
        """Lets a disabled account log in again with its password."""
        return await staff_admin.enable(ctx, owner, staff_id)

    @post("/{staff_id:int}/reset", status_code=201, operation_id="resetStaffPassword")
    async def reset(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], staff_id: int, data: ResetIn
    ) -> InviteOut:
        """Sends a one-time link to choose a new password. The old password stops working and every
        device is signed out now. The owner never sees a password."""
        return await staff_admin.reset(ctx, owner, staff_id, data)

    @post("/invites", status_code=201, operation_id="inviteStaff")
    async def invite(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], data: InviteIn
    ) -> InviteOut:
        """Invites a person by e-mail: a one-time link, valid 72 hours, where they choose a username and
        password. A second open invite to the same address answers 409 `invite_pending`."""
        return await staff_admin.invite(ctx, owner, data)

    @post("/invites/{invite_id:int}/resend", status_code=201, operation_id="resendStaffInvite")
    async def resend_invite(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], invite_id: int
    ) -> InviteOut:
        """A fresh link to the same address; the earlier link stops working."""
        return await staff_admin.resend_invite(ctx, owner, invite_id)

    @post("/invites/{invite_id:int}/cancel", status_code=HTTP_204_NO_CONTENT, operation_id="cancelStaffInvite")
    async def cancel_invite(self, ctx: NamedDependency[AppContext], invite_id: int) -> None:
        """The link stops working."""
        await staff_admin.cancel_invite(ctx, invite_id)
