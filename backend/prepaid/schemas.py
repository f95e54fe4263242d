"""What the klippekort endpoints take and return (owner, till and member)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from digital_stampcard import prepaid as rules

ScanId = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.MAX_REASON)]


class ProductIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    units: Annotated[int, msgspec.Meta(ge=1, le=rules.MAX_UNITS)]
    price_ore: Annotated[int, msgspec.Meta(ge=0, le=rules.MAX_PRICE_ORE)]
    valid_days: Annotated[int, msgspec.Meta(ge=1, le=rules.MAX_VALID_DAYS)]
    store_ids: Annotated[list[int], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)


class ProductOut(msgspec.Struct):
    id: int
    name: str
    units: int
    price_ore: int
    valid_days: int
    store_ids: list[int]
    active: bool
    created_at: datetime
    ended_at: datetime | None


class ProductList(msgspec.Struct):
    products: list[ProductOut]


class TillCardOut(msgspec.Struct):
    id: int
    name: str
    units: int
    left: int
    status: str
    expires_at: datetime
    usable_here: bool


class LastPrepaidActionOut(msgspec.Struct):
    entry_id: int
    kind: str
    card_id: int
    undo_until: datetime


class TillPrepaidOut(msgspec.Struct):
    """The member's klippekort as this till sees them, and what this store sells."""

    scan_id: str
    cards: list[TillCardOut]
    products: list[ProductOut]
    last_action: LastPrepaidActionOut | None
    done: str | None = None  # what the call just did: sale | use | undo | refund
    card_id: int | None = None  # the card it did it to


class SaleIn(msgspec.Struct):
    scan_id: ScanId
    product_id: int


class UseIn(msgspec.Struct):
    scan_id: ScanId
    card_id: int


class PrepaidUndoIn(msgspec.Struct):
    scan_id: ScanId
    entry_id: int
    reason: Reason


class TillRefundIn(msgspec.Struct):
    scan_id: ScanId
    card_id: int
    reason: Reason


class OwnerRefundIn(msgspec.Struct):
    card_id: int
    reason: Reason


class PrepaidVoidIn(msgspec.Struct):
    entry_id: int
    reason: Reason


class EntryOut(msgspec.Struct):
    id: int
    at: datetime
    kind: str
    card_id: int
    card_name: str
    units: int
    value_ore: int
    reason: str
    member_number: str
    store: str | None
    staff: str | None
    actor_role: str
    reverses: int | None
    reversed_by: int | None
    voidable: bool


class EntryPage(msgspec.Struct):
    entries: list[EntryOut]
    next_cursor: int | None


class CorrectionOut(msgspec.Struct):
    entry_id: int
    card_id: int
    kind: str
    units: int
    value_ore: int
    left: int
    status: str


class MemberPrepaidOut(msgspec.Struct):
    """A klippekort on the member's home screen: what is left and when it runs out."""

    id: int
    name: str
    units: int
    left: int
    status: str
    expires_at: datetime
    stores: list[str]  # where it works; [] is every store


class MemberPrepaidEntryOut(msgspec.Struct):
    at: datetime
    kind: str
    units: int
    reason: str
    store: str | None


class MemberPrepaidCardOut(msgspec.Struct):
    card: MemberPrepaidOut
    price_ore: int
    sold_at: datetime
    entries: list[MemberPrepaidEntryOut]


class MemberPrepaidHistory(msgspec.Struct):
    cards: list[MemberPrepaidCardOut]
