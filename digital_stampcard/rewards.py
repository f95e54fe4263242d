"""Rewards are active, redeemed, expired or revoked, and are redeemed exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from digital_stampcard.errors import DomainError

RewardStatus = Literal["active", "redeemed", "expired", "revoked"]
UNDO_WINDOW = timedelta(minutes=5)
EXPIRY_NOTICE = timedelta(days=3)  # members are told this long before a reward expires


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    return "expired" if status == "active" and now >= expires_at else status


def check_redeemable(status: str, expires_at: datetime, now: datetime) -> None:
    current = effective_status(status, expires_at, now)
    if current == "expired":
        raise DomainError("reward_expired", "This reward has expired.", kind="conflict")
    if current != "active":
        raise DomainError("reward_not_active", "This reward has already been used or withdrawn.", kind="conflict")


def check_undo_window(action_at: datetime, now: datetime) -> None:
    if now - action_at > UNDO_WINDOW:
        raise DomainError("undo_window_passed", "Actions can only be undone within 5 minutes.", kind="conflict")


def check_redeem_method(method: str) -> None:
    """Rewards are redeemed only from the member's QR code: a typed phone number or member number
    proves nothing about who stands at the till."""
    if method != "qr":
        raise DomainError(
            "manual_entry_cannot_redeem", "Rewards can only be redeemed from the member's QR code.", kind="forbidden"
        )


def expiry_notice_days(expires_at: datetime, now: datetime) -> int | None:
    """The whole days an active reward has left when its expiry notice is due, else None."""
    if not now < expires_at <= now + EXPIRY_NOTICE:
        return None
    return max(0, (expires_at - now).days)
