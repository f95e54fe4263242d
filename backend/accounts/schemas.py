"""What the owner's staff API and the invite link take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.club.service import StoreOut
from digital_stampcard.staff import Role

Text = Annotated[str, msgspec.Meta(max_length=1000)]  # the real limits are checked with friendly errors
Lang = Literal["nb", "en"]


class InviteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new person: the link goes to `email`; they choose their own username and password."""

    name: Text
    email: Text
    role: Role = "staff"
    store_id: int | None = None  # needed for staff and manager
    lang: Lang = "nb"  # the e-mail's language


class StaffPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change. `store_id` null (for an owner) is sent as `"store_id": null`."""

    name: Text | None = None
    email: Text | None = None
    role: Role | None = None
    store_id: int | None | msgspec.UnsetType = msgspec.UNSET


class ResetIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new one-time link: the old password stops working and every device is signed out."""

    email: Text | None = None  # where the link goes; the account's address when left out
    lang: Lang = "nb"


StaffStatus = Literal["active", "disabled", "reset_pending"]


class StaffAccountOut(msgspec.Struct):
    id: int
    username: str
    name: str
    email: str | None
    role: Role
    store: StoreOut | None
    status: StaffStatus
    devices_signed_in: int
    is_you: bool
    disabled_at: datetime | None
    created_at: datetime


class InviteOut(msgspec.Struct):
    id: int
    name: str
    email: str
    role: Role
    store: StoreOut | None
    kind: Literal["new", "reset"]
    staff_id: int | None
    created_at: datetime
    expires_at: datetime
    expired: bool


class StaffList(msgspec.Struct):
    accounts: list[StaffAccountOut]
    invites: list[InviteOut]  # links not used yet (new people and resets)


class InviteInfo(msgspec.Struct):
    """What the invited person sees before choosing a username and password."""

    kind: Literal["new", "reset"]
    name: str
    business: str
    role: Role
    store: StoreOut | None
    username: str | None  # a reset keeps the username
    expires_at: datetime


class AcceptIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new person picks a username; a reset keeps the old one (`username` is ignored)."""

    username: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    password: Annotated[str, msgspec.Meta(max_length=1000)]
