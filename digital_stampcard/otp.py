"""One-time login codes: 6 digits, 10 minutes, single use, at most 5 attempts each, stored hashed. Up to
three codes to one address work at once, so a stranger asking for codes to someone's number cannot cancel
the code that person is typing; logging in with one ends them all."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta

from digital_stampcard.errors import DomainError

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER_SECONDS = 30
LIVE_CODES = 3


def hash_code(secret: str, identifier: str, code: str) -> str:
    """Keyed hash bound to the identifier, so a leaked table cannot be brute-forced offline."""
    return hmac.new(secret.encode(), f"{identifier}:{code}".encode(), hashlib.sha256).hexdigest()


def check_usable(*, expires_at: datetime, used_at: datetime | None, attempts: int, now: datetime) -> None:
    if used_at is not None:
        raise DomainError("code_used", "This code has already been used. Ask for a new one.")
    if now >= expires_at:
        raise DomainError("code_expired", "This code has expired. Ask for a new one.")
    if attempts >= MAX_ATTEMPTS:
        raise DomainError("too_many_attempts", "Too many wrong attempts. Ask for a new code.", kind="rate_limited")


def is_valid_format(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def retired_by_a_new_code(live_ids: Iterable[int]) -> list[int]:
    """The live codes (by id: a later code has a larger id) a new code retires: the oldest, so that with
    the new one at most `LIVE_CODES` stay live."""
    oldest_first = sorted(live_ids)
    return oldest_first[: max(0, len(oldest_first) - (LIVE_CODES - 1))]


def attempts_left(attempts: Iterable[int]) -> int:
    """Wrong tries left before every live code is spent. A try counts on each live code it is compared
    with, so several live codes give a guesser no more comparisons per code than one code does."""
    return max((MAX_ATTEMPTS - a for a in attempts), default=0)
