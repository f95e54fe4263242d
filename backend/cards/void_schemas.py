"""What the owner sends to void a ledger entry, and what the void did."""

from __future__ import annotations

from typing import Annotated

import msgspec


class VoidIn(msgspec.Struct, forbid_unknown_fields=True):
    """Void one ledger entry (a stamp or a bonus). A POS system voids its purchases by receipt id
    (`POST /api/pos/v1/purchases/{receipt_id}/void`), by the same rules."""

    entry_id: int
    reason: Annotated[str, msgspec.Meta(max_length=400)]


class CardAfter(msgspec.Struct):
    stamps: int
    capacity: int


class RewardNote(msgspec.Struct):
    id: int
    title: str
    status: str


class VoidOut(msgspec.Struct):
    void_id: int
    entry_id: int
    member_number: str
    reason: str
    stamps_voided: int
    taken_back: int
    not_recovered: int  # stamps already spent on a reward the member keeps
    revoked: list[RewardNote]
    kept: list[RewardNote]
    card: CardAfter | None
