"""Member numbers: 9 digits, the last a Luhn check digit, so a cashier's typo is caught at once.

Nine, not eight, so a typed member number can never be mistaken for a Norwegian phone number."""

from __future__ import annotations


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def make_member_number(seed: int) -> str:
    """`seed` is a random 8-digit number chosen by the caller (10**7 <= seed < 10**8)."""
    body = f"{seed:08d}"
    return body + luhn_check_digit(body)


def is_member_number(text: str) -> bool:
    # isascii(): str.isdigit() also accepts "²" and other scripts' digits, which int() may refuse.
    # Issued numbers start at 1; "0…" is what a member who left becomes (backend/me/leaving.py).
    return (
        len(text) == 9
        and text.isascii()
        and text.isdigit()
        and text[0] != "0"
        and luhn_check_digit(text[:8]) == text[8]
    )
