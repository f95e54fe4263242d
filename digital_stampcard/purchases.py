"""How many stamps a purchase earns: one a visit, or one per full amount spent."""

from __future__ import annotations

from digital_stampcard.errors import DomainError

BASES = ("visit", "amount")


def stamps_for_purchase(basis: str, amount_ore: int | None, ore_per_stamp: int) -> int:
    """`visit`: one stamp, whatever was bought. `amount`: one per full `ore_per_stamp` (at 100 NOK a
    stamp, 250 NOK earns 2 and 99 NOK earns none: partial amounts are not carried over)."""
    if basis == "visit":
        return 1
    if basis != "amount":
        raise ValueError(f"unknown stamp basis {basis!r}")
    if ore_per_stamp < 1:
        raise ValueError("ore_per_stamp must be positive")
    if amount_ore is None:
        raise DomainError("amount_required", "This program stamps by amount: give the purchase amount.")
    if amount_ore < 0:
        raise DomainError("validation_error", "The amount cannot be negative.")
    return amount_ore // ore_per_stamp


def stamp_reason(basis: str) -> str:
    """The ledger's reason for a staff stamp: a purchase when stamps follow the amount, else a visit."""
    return "purchase" if basis == "amount" else "visit"


def stamps_asked(basis: str, count: int, amount_ore: int | None, ore_per_stamp: int) -> int:
    """What the till gives. By visit: the cashier's count. By amount: what the purchase earns; too
    small a purchase is refused before anything is written, with the amount the next stamp needs."""
    if basis != "amount":
        return count
    earned = stamps_for_purchase("amount", amount_ore, ore_per_stamp)
    if earned < 1:
        raise DomainError(
            "amount_too_small",
            "This purchase is too small for a stamp.",
            field="amount_ore",
            ore_per_stamp=ore_per_stamp,
        )
    return earned
