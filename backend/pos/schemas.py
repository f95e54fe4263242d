"""What the POS API takes and returns, with the examples the OpenAPI schema shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

MemberNumber = Annotated[str, msgspec.Meta(pattern=r"^\d{9}$", description="The member's 9-digit number.")]
Phone = Annotated[str, msgspec.Meta(min_length=8, max_length=20, description="A Norwegian mobile number.")]
LookupId = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
ReceiptId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="The till's own receipt id: printable ASCII, no spaces. Unique per store.",
    ),
]


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every error is answered."""

    type: str
    title: str
    status: int
    detail: str
    code: str


class LookupIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of the three."""

    qr: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    member_number: MemberNumber | None = None
    phone: Phone | None = None


class PosCard(msgspec.Struct):
    stamps: int
    capacity: int
    reward_text: str


class PosReward(msgspec.Struct):
    id: int
    title: str
    status: str  # active | redeemed | expired | revoked
    expires_at: datetime


class LookupOut(msgspec.Struct):
    member_number: str
    first_name: str | None
    card: PosCard | None  # the open card (None when no program runs in this store now)
    rewards: list[PosReward]  # active rewards
    lookup_id: str  # 5 minutes; only this key can use it
    lookup_expires_at: datetime
    can_redeem: bool  # true only when found by QR code: a number or phone earns stamps, never redeems


class PurchaseIn(msgspec.Struct, forbid_unknown_fields=True):
    """The member by exactly one of `lookup_id`, `member_number`, `phone`."""

    receipt_id: ReceiptId
    amount_ore: Annotated[int, msgspec.Meta(ge=0, le=100_000_000, description="The amount paid, in øre.")]
    lookup_id: LookupId | None = None
    member_number: MemberNumber | None = None
    phone: Phone | None = None
    currency: Literal["NOK"] = "NOK"


class PurchaseOut(msgspec.Struct):
    receipt_id: str
    member_number: str
    stamps_added: int
    rewards_issued: list[PosReward]
    card: PosCard | None
    duplicate: bool  # this receipt had already been stamped: nothing new was written
    capped: bool  # the member's daily cap took some or all of the stamps
    points_earned: int = 0  # when a points program runs: what the receipt earned (pending through the refund window)


class VoidReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=200)]


class VoidReceiptOut(msgspec.Struct):
    receipt_id: str
    member_number: str
    stamps_voided: int
    rewards_revoked: list[PosReward]  # unredeemed rewards the voided stamps had built
    card: PosCard | None
    already_voided: bool  # voided before: nothing new was written
    points_reversed: int = 0  # the receipt's points taken back (never below the member's balance of 0)


class RedeemIn(msgspec.Struct, forbid_unknown_fields=True):
    lookup_id: LookupId


class RedeemOut(msgspec.Struct):
    member_number: str
    reward: PosReward
    card: PosCard | None


_CARD: dict[str, Any] = {"stamps": 4, "capacity": 10, "reward_text": "Gratis kaffe"}
_REWARD: dict[str, Any] = {"id": 812, "title": "Gratis kaffe", "status": "active", "expires_at": "2026-12-24T10:00:00Z"}
_QR = "DS1.8F3K2M9QW4.1764000000.MEUCIQDx3s…"

EXAMPLES: dict[str, dict[str, Any]] = {
    "lookup_qr": {"qr": _QR},
    "lookup_number": {"member_number": "123456785"},
    "lookup_phone": {"phone": "+47 912 34 567"},
    "lookup_out": {
        "member_number": "123456785",
        "first_name": "Kari",
        "card": _CARD,
        "rewards": [_REWARD],
        "lookup_id": "q2bV7mH1xT0cLr8sPz4YwA",
        "lookup_expires_at": "2026-11-24T10:05:00Z",
        "can_redeem": True,
    },
    "purchase_lookup": {"lookup_id": "q2bV7mH1xT0cLr8sPz4YwA", "amount_ore": 25900, "receipt_id": "K1-000481"},
    "purchase_number": {"member_number": "123456785", "amount_ore": 12900, "receipt_id": "WEB-2026-1187"},
    "purchase_out": {
        "receipt_id": "K1-000481",
        "member_number": "123456785",
        "stamps_added": 2,
        "rewards_issued": [],
        "card": {**_CARD, "stamps": 6},
        "duplicate": False,
        "capped": False,
    },
    "purchase_duplicate": {
        "receipt_id": "K1-000481",
        "member_number": "123456785",
        "stamps_added": 2,
        "rewards_issued": [],
        "card": {**_CARD, "stamps": 6},
        "duplicate": True,
        "capped": False,
    },
    "void_in": {"reason": "Varen ble returnert"},
    "void_out": {
        "receipt_id": "K1-000481",
        "member_number": "123456785",
        "stamps_voided": 2,
        "rewards_revoked": [{**_REWARD, "status": "revoked"}],
        "card": _CARD,
        "already_voided": False,
    },
    "redeem_in": {"lookup_id": "q2bV7mH1xT0cLr8sPz4YwA"},
    "redeem_out": {
        "member_number": "123456785",
        "reward": {**_REWARD, "status": "redeemed"},
        "card": _CARD,
    },
    "unauthenticated": {
        "type": "/problems/api_key_invalid",
        "title": "Api key invalid",
        "status": 401,
        "detail": "This API key is unknown or revoked.",
        "code": "api_key_invalid",
    },
    "scope_missing": {
        "type": "/problems/scope_missing",
        "title": "Scope missing",
        "status": 403,
        "detail": "This API key does not have the scope stamps:write.",
        "code": "scope_missing",
        "scope": "stamps:write",
    },
    "idempotency_key_missing": {
        "type": "/problems/idempotency_key_missing",
        "title": "Idempotency key missing",
        "status": 400,
        "detail": "Send an Idempotency-Key header: a fresh UUID per action, and the same one when you retry it.",
        "code": "idempotency_key_missing",
    },
}
