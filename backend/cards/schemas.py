"""What the card endpoints take and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from digital_stampcard import member_qr


class TierOut(msgspec.Struct):
    code: str
    name: str


class NextTierOut(msgspec.Struct):
    code: str
    name: str
    threshold: int


class TierProgressOut(msgspec.Struct):
    earned: int
    next: NextTierOut | None
    remaining: int
    fraction: float
    window_days: int


class CardOut(msgspec.Struct):
    program_name: str
    stamps: int
    capacity: int
    reward_text: str


class RewardOut(msgspec.Struct):
    id: int
    title: str
    status: str
    expires_at: datetime


class ActivityOut(msgspec.Struct):
    at: datetime
    kind: str
    stamps: int
    reason: str
    store: str | None


class LastActionOut(msgspec.Struct):
    ledger_id: int
    kind: str
    stamps: int
    undo_until: datetime


class ScanMemberOut(msgspec.Struct):
    first_name: str | None
    member_number: str
    tier: TierOut


class ScanOut(msgspec.Struct):
    scan_id: str
    method: str
    expires_at: datetime
    member: ScanMemberOut
    card: CardOut | None
    rewards: list[RewardOut]
    can_redeem: bool
    last_action: LastActionOut | None
    # How this store's program stamps: "amount" asks the till for the purchase amount.
    stamp_basis: str = "visit"
    ore_per_stamp: int = 0


ScanText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ScanIn(msgspec.Struct):
    code: ScanText
    # A handheld scan read other ways too (by key, or by another layout's key positions): the till
    # cannot tell which one a DS1 code is, the signature can.
    other_readings: Annotated[list[ScanText], msgspec.Meta(max_length=member_qr.MAX_OTHER_READINGS)] = msgspec.field(
        default_factory=list
    )


class StampIn(msgspec.Struct):
    scan_id: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    count: Annotated[int, msgspec.Meta(ge=1, le=5)] = 1
    # The purchase amount in øre. Required when the program stamps by amount (the stamps follow
    # from it and `count` is ignored); recorded on the ledger either way.
    amount_ore: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_00)] | None = None


class StampOut(msgspec.Struct):
    scan: ScanOut
    added: int
    rewards_issued: list[RewardOut]
    duplicate: bool
    capped: bool


class RedeemIn(msgspec.Struct):
    scan_id: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    reward_id: int


class RedeemOut(msgspec.Struct):
    scan: ScanOut
    reward: RewardOut


class UndoIn(msgspec.Struct):
    scan_id: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    ledger_id: int
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=200)]


class UndoOut(msgspec.Struct):
    scan: ScanOut
