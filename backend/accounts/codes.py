"""The one-time codes' rows, for every purpose (joining or logging in, a new address): adding a code,
checking one, using one. Several codes in a scope (an address's login codes, a member's change codes)
stay live at once, `otp.LIVE_CODES` at most, so asking for a new code never cancels the one being typed.
The callers own the transactions: `add` and `consume` run inside the caller's write transaction."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import NoReturn

from piccolo.custom_types import Combinable

from backend.accounts.tables import OtpChallenge
from digital_stampcard import otp
from digital_stampcard.errors import DomainError


def _live(now: datetime) -> Combinable:
    return OtpChallenge.used_at.is_null() & (OtpChallenge.expires_at > now)


async def add(row: OtpChallenge, scope: Combinable, now: datetime) -> None:
    """Stores a new code; the oldest live codes in `scope` beyond `otp.LIVE_CODES` are retired."""
    live = await OtpChallenge.select(OtpChallenge.id).where(scope & _live(now))
    retired = otp.retired_by_a_new_code(r["id"] for r in live)
    if retired:
        await OtpChallenge.update({OtpChallenge.used_at: now}).where(OtpChallenge.id.is_in(retired))
    await OtpChallenge.insert(row)


async def check(secret: str, scope: Combinable, identifier_value: str, code: str, now: datetime) -> OtpChallenge:
    """The live code in `scope` that `code` is; refuses a wrong, used, expired or over-tried one. A try
    counts on every live code it is compared with, each at most `otp.MAX_ATTEMPTS` times (as with one
    code); the caller uses the code with `consume`."""
    # The newest LIVE_CODES only, even if two requests raced past `add`'s retiring.
    newest = (
        await OtpChallenge.select(OtpChallenge.id)
        .where(scope & _live(now))
        .order_by(OtpChallenge.id, ascending=False)
        .limit(otp.LIVE_CODES)
    )
    counted = []
    if newest:
        # Counted atomically before the comparison, so parallel guesses share the budget.
        counted = (
            await OtpChallenge.update({OtpChallenge.attempts: OtpChallenge.attempts + 1})
            .where(
                OtpChallenge.id.is_in([r["id"] for r in newest])
                & _live(now)
                & (OtpChallenge.attempts < otp.MAX_ATTEMPTS)
            )
            .returning(OtpChallenge.id, OtpChallenge.attempts, OtpChallenge.code_hash)
        )
    if not counted:
        await _refuse_unusable(scope, now)
    typed = code.strip()
    expected = otp.hash_code(secret, identifier_value, typed)
    match = next((r for r in counted if hmac.compare_digest(expected, r["code_hash"])), None)
    if match is None or not otp.is_valid_format(typed):
        left = otp.attempts_left(r["attempts"] for r in counted)
        if left <= 0:
            raise DomainError("too_many_attempts", "Too many wrong attempts. Ask for a new code.", kind="rate_limited")
        raise DomainError("code_invalid", "The code is wrong. Check the message and try again.", attempts_left=left)
    challenge = await OtpChallenge.objects().output(load_json=True).where(OtpChallenge.id == match["id"]).first()
    assert challenge is not None
    return challenge


async def _refuse_unusable(scope: Combinable, now: datetime) -> NoReturn:
    """No live code to compare with: why, as told by the newest code in `scope` (used, expired, over-tried)."""
    newest = await OtpChallenge.objects().where(scope).order_by(OtpChallenge.id, ascending=False).first()
    if newest is not None:
        otp.check_usable(expires_at=newest.expires_at, used_at=newest.used_at, attempts=newest.attempts, now=now)
    # No code at all, or the newest turned live in the meantime (a race): a plain wrong code.
    raise DomainError("code_invalid", "The code is wrong. Check the message and try again.")


async def consume(scope: Combinable, challenge_id: int, now: datetime) -> None:
    """Uses the code `challenge_id`, and with it every other code in `scope`: a code works once, and the
    others stop working with the login. `code_used` if a parallel request used it first."""
    used = (
        await OtpChallenge.update({OtpChallenge.used_at: now})
        .where(scope & OtpChallenge.used_at.is_null())
        .returning(OtpChallenge.id)
    )
    if challenge_id not in {r["id"] for r in used}:
        raise DomainError("code_used", "This code has already been used. Ask for a new one.")
