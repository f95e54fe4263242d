"""One-time login codes: 6 digits, 10 minutes, single use, at most 5 attempts, stored hashed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from digital_stampcard.errors import DomainError

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER_SECONDS = 30


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
