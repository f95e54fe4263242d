"""Referral rules: the personal code, who may not refer whom, and whether a referral is rewarded
under the monthly cap. Pure: the random bytes and the clock are arguments."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

OSLO = ZoneInfo("Europe/Oslo")
CODE_LENGTH = 8
# Crockford's Base32 without I, L, O and U: nothing to misread when a code is typed from a screen.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")

Status = Literal["pending", "rewarded", "capped", "referrer_left"]
Refusal = Literal["unknown_code", "self_referral"]


def new_code(random_bytes: bytes) -> str:
    """A code from 5 random bytes (40 bits): nothing in it comes from the member number."""
    if len(random_bytes) != 5:
        raise ValueError("a referral code takes 5 random bytes")
    n = int.from_bytes(random_bytes, "big")
    return "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def normalise_code(text: str) -> str | None:
    """A code as typed or linked (any case, spaces or dashes), or None when it cannot be one."""
    code = re.sub(r"[\s-]", "", text).upper()
    return code if _CODE.fullmatch(code) else None


class Referrer(msgspec.Struct, frozen=True):
    """What we know of the member whose code was used."""

    addresses: frozenset[str]  # their phone and e-mail
    device_keys: frozenset[str]  # every device public key they have registered
    left: bool = False


class Joiner(msgspec.Struct, frozen=True):
    """The person joining through the code."""

    address: str  # the phone or e-mail they proved with the one-time code
    device_key: str  # the joining phone's public key
    signed_in_as_referrer: bool  # the joining browser carries the referrer's own session cookie


def refusal(referrer: Referrer | None, joiner: Joiner) -> Refusal | None:
    """Why this join cannot count as a referral, or None when it can. A member who has left is
    treated like an unknown code: the link says nothing about them any more."""
    if referrer is None or referrer.left:
        return "unknown_code"
    if (
        joiner.address in referrer.addresses
        or joiner.device_key in referrer.device_keys
        or joiner.signed_in_as_referrer
    ):
        return "self_referral"
    return None


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The Oslo calendar month holding `now`, as [start, end) in UTC."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    local = now.astimezone(OSLO)
    start = datetime(local.year, local.month, 1, tzinfo=OSLO)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=OSLO)
    return start.astimezone(UTC), end.astimezone(UTC)


def decide(*, rewarded_this_month: int, monthly_cap: int, referrer_left: bool) -> Status:
    """At the referred member's first staff-given stamp: rewarded, or recorded but not rewarded
    because the referrer already had `monthly_cap` rewarded referrals this Oslo month."""
    if referrer_left:
        return "referrer_left"
    return "rewarded" if rewarded_this_month < monthly_cap else "capped"


class TakeBack(msgspec.Struct, frozen=True):
    revoke: frozenset[int]  # the gifts' reward ids to revoke (each only if still unused)
    reopen_referral: bool  # the referral waits again for a real first purchase


def take_back(gifts: list[tuple[int, bool]], *, spent: bool) -> TakeBack:
    """When the stamp a visit's gifts came with is voided or undone: `gifts` are (reward id, is a
    referral's reward). A referral stands once one of its rewards is spent (`spent`): its rewards
    stay and it is not reopened; otherwise every gift goes and the referral goes back to "pending"."""
    revoke = frozenset(reward for reward, of_referral in gifts if not (spent and of_referral))
    return TakeBack(revoke, reopen_referral=not spent and any(of_referral for _, of_referral in gifts))
