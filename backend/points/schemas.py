"""What the points API takes and gives: the owner's program and catalogue, the till, the member."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(max_length=1000)]  # the real limits are checked with friendly errors
Number = Annotated[int, msgspec.Meta(ge=-1_000_000_000, le=1_000_000_000)]
ScanId = Annotated[str, msgspec.Meta(max_length=64)]


class PointsProgramIn(msgspec.Struct, forbid_unknown_fields=True):
    """The club's points program. Money is in øre (100 øre = 1 NOK): `ore_per_point` 1000 is a point
    per 10 NOK. `action_points`: profile_completed, survey_answered, referral, birthday. Purchase
    points are pending for `refund_window_days`, then spendable for `expiry_days`; the member is
    reminded `reminder_days` before they expire. `active` false stops earning and spending."""

    name: Name = "Poeng"
    ore_per_point: Number = 1000
    action_points: dict[str, Number] = msgspec.field(default_factory=dict)
    refund_window_days: Number = 14
    expiry_days: Number = 365
    reminder_days: Number = 30
    active: bool = True


class PointsProgramOut(msgspec.Struct):
    id: int
    name: str
    active: bool
    ore_per_point: int
    action_points: dict[str, int]
    refund_window_days: int
    expiry_days: int
    reminder_days: int


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    """A reward in the catalogue. `stock` null: no limit. `valid_until` exclusive."""

    name: Name
    cost: Number
    picture_url: Name = ""
    stock: Number | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class ItemPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change; `active` false takes it out of the catalogue."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    cost: Number | msgspec.UnsetType = msgspec.UNSET
    picture_url: Name | msgspec.UnsetType = msgspec.UNSET
    stock: Number | None | msgspec.UnsetType = msgspec.UNSET
    valid_from: datetime | None | msgspec.UnsetType = msgspec.UNSET
    valid_until: datetime | None | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class ItemOut(msgspec.Struct):
    id: int
    name: str
    picture_url: str
    cost: int
    stock: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool


class PointsAdminOut(msgspec.Struct):
    program: PointsProgramOut | None
    items: list[ItemOut]


class BalanceOut(msgspec.Struct):
    confirmed: int  # spendable now
    pending: int  # inside the refund window
    expiring: int  # of the confirmed, what expires before the reminder window ends
    expiring_at: datetime | None


class PointsEntryOut(msgspec.Struct):
    created_at: datetime
    kind: str  # earn | spend | expire | reverse
    points: int
    reason: str


class PointsSummaryOut(msgspec.Struct):
    """The member's home: the points program's name and the balance."""

    program_name: str
    balance: BalanceOut


class MemberPointsOut(msgspec.Struct):
    program_name: str
    balance: BalanceOut
    catalogue: list[ItemOut]  # what can be had now, affordable or not
    history: list[PointsEntryOut]


class EarnIn(msgspec.Struct, forbid_unknown_fields=True):
    scan_id: ScanId
    amount_ore: Number


class SpendIn(msgspec.Struct, forbid_unknown_fields=True):
    scan_id: ScanId
    item_id: int


class TillPointsOut(msgspec.Struct):
    scan_id: str
    program_name: str
    balance: BalanceOut
    catalogue: list[ItemOut]
    earned: int = 0  # what this action earned
    spent: int = 0  # what this action spent


class PointsReversalIn(msgspec.Struct, forbid_unknown_fields=True):
    """Takes back the points an earning gave (a refunded or voided purchase, a mistake)."""

    entry_id: int
    reason: Name


class PointsReversalOut(msgspec.Struct):
    entry_id: int
    taken: int  # points taken back from the member's balance
    shortfall: int  # already spent and not there to take back: never owed, the balance stays at 0
    balance: BalanceOut
