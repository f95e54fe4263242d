"""What the owner's store API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from digital_stampcard.stores import Interval, OpeningHours

Text = Annotated[str, msgspec.Meta(max_length=1000)]  # the real limits are checked with friendly errors
Hours = Annotated[dict[str, Annotated[list[Interval], msgspec.Meta(max_length=10)]], msgspec.Meta(max_length=7)]


class StoreIn(msgspec.Struct, forbid_unknown_fields=True):
    """A store. Opening hours per weekday (`mon` … `sun`); a missing or empty day is closed;
    "24:00" closes at midnight. The slug (the join poster's address) is made from the name once."""

    name: Text
    address: Text = ""
    timezone: Annotated[str, msgspec.Meta(max_length=60)] = "Europe/Oslo"
    opening_hours: Hours = msgspec.field(default_factory=dict)


class StorePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change. The slug never changes: printed posters carry it."""

    name: Text | None = None
    address: Text | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    opening_hours: Hours | None = None


class StoreAdminOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    address: str
    timezone: str
    opening_hours: OpeningHours
    open_now: bool
    staff_count: int  # active accounts bound to the store
    devices_signed_in: int  # store devices with a live staff session
    created_at: datetime


class StoreList(msgspec.Struct):
    stores: list[StoreAdminOut]
    timezones: list[str]  # suggestions for the form


class SignedOut(msgspec.Struct):
    signed_out: int  # sessions ended


class StoreDevice(msgspec.Struct):
    """A till signed in with an account of the store: one live staff session."""

    session_id: int
    staff_name: str
    role: str
    device: str  # from the browser, e.g. "Chrome · Android"
    ip: str
    signed_in_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    this_device: bool  # the owner's own session: signing it out signs the owner out


class StoreDevices(msgspec.Struct):
    devices: list[StoreDevice]
