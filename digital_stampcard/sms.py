"""SMS rules: how many segments a text costs, who may be the sender, and the club's daily budget.

A text that fits the GSM 03.38 alphabet (Norwegian æøå and ÆØÅ included) goes as GSM-7: 160
characters in one SMS, 153 per segment when it is split. One character outside it (an emoji, a
curly quote) sends the whole text as UCS-2: 70 UTF-16 units in one SMS, 67 per segment."""

from __future__ import annotations

import re
from typing import Literal

import msgspec

# The GSM 03.38 default alphabet (one septet each) and its extension table (escape + one septet).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
SINGLE = {"GSM-7": 160, "UCS-2": 70}
PER_SEGMENT = {"GSM-7": 153, "UCS-2": 67}  # a split SMS spends the rest on its concatenation header
BUDGET_ALERT_SHARE = 0.8  # the owner is alerted once today's SMS reach 80 % of the daily budget
# Alphanumeric sender ids: at most 11 of A-Z, a-z, 0-9 and space, with a letter (operators' rule).
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_NUMERIC_SENDER = re.compile(r"^\+?[0-9]{3,15}$")

Encoding = Literal["GSM-7", "UCS-2"]


class Segments(msgspec.Struct, frozen=True):
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    count: int


def segments(text: str) -> Segments:
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        return _counted("GSM-7", sum(2 if c in GSM7_EXTENSION else 1 for c in text))
    return _counted("UCS-2", len(text.encode("utf-16-le")) // 2)  # an emoji is two units


def _counted(encoding: Encoding, units: int) -> Segments:
    if units <= SINGLE[encoding]:
        return Segments(encoding, units, 1)
    return Segments(encoding, units, -(-units // PER_SEGMENT[encoding]))


def is_valid_sender_id(sender: str) -> bool:
    """A name shown as the sender (e.g. 'KaffeKanel') or a phone number in digits."""
    return bool(_ALPHANUMERIC_SENDER.match(sender) or _NUMERIC_SENDER.match(sender))


class BudgetCheck(msgspec.Struct, frozen=True):
    allowed: bool
    alert: bool  # today's use, with this SMS, is at or past the alert share


def check_budget(used_today: int, cost: int, budget: int) -> BudgetCheck:
    """Segments already sent today, this message's segments, and the daily budget in segments."""
    after = used_today + cost
    return BudgetCheck(allowed=after <= budget, alert=after >= BUDGET_ALERT_SHARE * budget)


# What a gateway's delivery report says, in our words.
DeliveryStatus = Literal["queued", "sent", "delivered", "failed"]
FINAL_STATUSES = frozenset({"delivered", "failed"})


def later_status(current: DeliveryStatus, reported: DeliveryStatus) -> DeliveryStatus:
    """Reports can arrive out of order (a late 'sent' after 'delivered'): a final status stays."""
    return current if current in FINAL_STATUSES else reported
