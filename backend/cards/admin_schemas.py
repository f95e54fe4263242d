"""What the owner's program and tier API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Name = Annotated[str, msgspec.Meta(max_length=1000)]  # the real limits are checked with friendly errors
Number = Annotated[int, msgspec.Meta(ge=-1_000_000_000, le=1_000_000_000)]
StoreIds = Annotated[list[int], msgspec.Meta(max_length=500)]
Basis = Literal["visit", "amount"]


class ProgramIn(msgspec.Struct, forbid_unknown_fields=True):
    """A stamp card program. Money is in øre (100 øre = 1 NOK). `store_ids` empty: every store.
    `starts_at`/`ends_at` (end exclusive) may be left out for "from now" and "until further notice".
    At most one active program may apply to the same store at the same time."""

    name: Name
    capacity: Number = 10
    reward_text: Name = "Gratis kaffe"
    reward_value_ore: Number = 0
    reward_valid_days: Number = 30
    stamp_basis: Basis = "visit"
    ore_per_stamp: Number = 10000
    daily_cap: Number = 3
    store_ids: StoreIds = msgspec.field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class ProgramPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change; send `null` for a date to remove it. Cards already started
    keep the rules they were opened under: a change applies to new cards."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    capacity: Number | msgspec.UnsetType = msgspec.UNSET
    reward_text: Name | msgspec.UnsetType = msgspec.UNSET
    reward_value_ore: Number | msgspec.UnsetType = msgspec.UNSET
    reward_valid_days: Number | msgspec.UnsetType = msgspec.UNSET
    stamp_basis: Basis | msgspec.UnsetType = msgspec.UNSET
    ore_per_stamp: Number | msgspec.UnsetType = msgspec.UNSET
    daily_cap: Number | msgspec.UnsetType = msgspec.UNSET
    store_ids: StoreIds | msgspec.UnsetType = msgspec.UNSET
    starts_at: datetime | None | msgspec.UnsetType = msgspec.UNSET
    ends_at: datetime | None | msgspec.UnsetType = msgspec.UNSET


class ProgramOut(msgspec.Struct):
    id: int
    name: str
    capacity: int
    reward_text: str
    reward_value_ore: int
    reward_valid_days: int
    stamp_basis: str
    ore_per_stamp: int
    daily_cap: int
    store_ids: list[int]
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    in_effect: bool  # active and inside its dates now
    open_cards: int  # cards started under earlier rules keep them
    created_at: datetime
    updated_at: datetime | None


class StoreRef(msgspec.Struct):
    id: int
    name: str


class ProgramList(msgspec.Struct):
    programs: list[ProgramOut]
    stores: list[StoreRef]  # for the form's store choice


class TierIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=100)]
    name_nb: Name
    threshold: Number
    name_en: Name = ""
    stamp_multiplier: Number = 1
    extra_reward_text: Name = ""  # given once when a member reaches the tier; "" is none
    early_access_minutes: Number = 0  # the head start the campaign screen suggests for this tier


class LadderIn(msgspec.Struct, forbid_unknown_fields=True):
    """The whole ladder, lowest first (the first at 0 stamps, each above the one before), and the
    window in days over which stamps count (30 to 730)."""

    tiers: Annotated[list[TierIn], msgspec.Meta(max_length=20)]
    window_days: Number = 365


class TierOut(msgspec.Struct):
    code: str
    name_nb: str
    name_en: str
    threshold: int
    stamp_multiplier: int
    extra_reward_text: str
    early_access_minutes: int
    members: int  # holding this tier now


class LadderOut(msgspec.Struct):
    tiers: list[TierOut]
    window_days: int


class PreviewRow(msgspec.Struct):
    code: str
    name_nb: str
    name_en: str
    threshold: int
    members_now: int  # holding this code today
    members_proposed: int  # by their next stamp: the higher of the tier kept on saving and what they earned


class PreviewOut(msgspec.Struct):
    window_days: int
    members_total: int
    rows: list[PreviewRow]
