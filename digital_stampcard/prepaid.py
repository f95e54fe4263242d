"""Prepaid klippekort: a product ("10 kaffe for 300 kr") sold at the till, counted down one unit per
use, refunded for what is left. Pure: the facts and the moment are arguments.

Money is exact in øre. A card's units share its price: the first n units are worth
`price * n // units`, so the n-th unit is worth the difference, and all of a card's units add up to
its price exactly (no øre lost to rounding, whatever the split)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Literal

import msgspec

from digital_stampcard.clock import OSLO
from digital_stampcard.errors import DomainError
from digital_stampcard.voids import REASON_MAX

MAX_UNITS = 100
MAX_PRICE_ORE = 100_000_00  # 100 000 kr
MAX_VALID_DAYS = 3660
EntryKind = Literal["sale", "use", "undo", "void", "refund"]
CardStatus = Literal["active", "used_up", "expired", "refunded", "voided"]
# What the owner may void: a sale not yet used from, or a use (the unit comes back).
VOIDABLE_KINDS = ("sale", "use")
MAX_REASON = REASON_MAX


def expires_at(sold_at: datetime, valid_days: int) -> datetime:
    """Valid through the Oslo day `valid_days` after the sale: bought 8 December for 30 days works
    all of 7 January. The instant returned is the first moment it no longer works."""
    last_day = sold_at.astimezone(OSLO).date() + timedelta(days=valid_days)
    return datetime.combine(last_day, time.min, tzinfo=OSLO) + timedelta(days=1)


def remaining(units: int, used: int) -> int:
    return max(0, units - used)


def card_status(stored: str, units: int, used: int, expires: datetime, now: datetime) -> CardStatus:
    """What a card is now: refunded and voided are stored; used up and expired follow from the facts."""
    if stored in ("refunded", "voided"):
        return stored  # type: ignore[return-value]
    if remaining(units, used) == 0:
        return "used_up"
    if now >= expires:
        return "expired"
    return "active"


def works_in(store_ids: Sequence[int], store_id: int | None) -> bool:
    """[] is every store. A till without a store (the owner's device) is no store."""
    return not store_ids or (store_id is not None and store_id in store_ids)


def check_use(status: CardStatus, store_ids: Sequence[int], store_id: int | None) -> None:
    """A unit can be used from an active card in a store where it works."""
    if status == "used_up":
        raise DomainError("prepaid_used_up", "This klippekort has no units left.", kind="conflict")
    if status == "expired":
        raise DomainError("prepaid_expired", "This klippekort has expired.", kind="conflict")
    if status in ("refunded", "voided"):
        raise DomainError("prepaid_closed", "This klippekort was refunded or voided.", kind="conflict")
    if not works_in(store_ids, store_id):
        raise DomainError("prepaid_not_here", "This klippekort does not work in this store.", kind="forbidden")


def check_sale(
    active: bool, ends_at: datetime | None, store_ids: Sequence[int], store_id: int | None, now: datetime
) -> None:
    if not active or (ends_at is not None and now >= ends_at):
        raise DomainError("prepaid_product_ended", "This klippekort is no longer sold.", kind="conflict")
    if not works_in(store_ids, store_id):
        raise DomainError("prepaid_not_here", "This klippekort is not sold in this store.", kind="forbidden")


def value_of_first(price_ore: int, units: int, n: int) -> int:
    """What the first n units of a card are worth, in øre."""
    return price_ore * max(0, min(n, units)) // units


def unit_value(price_ore: int, units: int, nth: int) -> int:
    """What the nth unit used (1 for the first) is worth."""
    return value_of_first(price_ore, units, nth) - value_of_first(price_ore, units, nth - 1)


class Refund(msgspec.Struct, frozen=True):
    units: int
    value_ore: int


def plan_refund(status: CardStatus, price_ore: int, units: int, used: int) -> Refund:
    """Refunds what is left: the units not used, worth the price less what the used ones were worth.
    An expired card's units can still be refunded (the shop may choose to); a closed or used-up one
    has nothing left."""
    if status in ("refunded", "voided"):
        raise DomainError("prepaid_closed", "This klippekort was refunded or voided.", kind="conflict")
    left = remaining(units, used)
    if left == 0:
        raise DomainError("prepaid_nothing_to_refund", "This klippekort has no units left to refund.", kind="conflict")
    return Refund(left, price_ore - value_of_first(price_ore, units, used))


def check_voidable(kind: str, reversed_already: bool, used: int) -> None:
    """An owner voids a sale (only while none of it is used: undo or void the uses first) or a use."""
    if kind not in VOIDABLE_KINDS:
        raise DomainError("not_voidable", "Only a sale or a use can be voided.", kind="conflict")
    if reversed_already:
        raise DomainError("already_voided", "This entry was already undone or voided.", kind="conflict")
    if kind == "sale" and used > 0:
        raise DomainError(
            "prepaid_sale_in_use", "Units of this klippekort are used: refund it instead.", kind="conflict"
        )


# --- the liability report ---------------------------------------------------------------------------

Movement = Literal["sold", "used", "refunded", "expired"]


class Flow(msgspec.Struct, frozen=True):
    """One change to what the shop owes: `units` and `ore` are signed (an undone use is -1 used)."""

    at: datetime
    store: str
    movement: Movement
    units: int
    ore: int


class LiabilityRow(msgspec.Struct, frozen=True):
    month: str  # YYYY-MM, Oslo
    store: str
    sold_units: int
    sold_ore: int
    used_units: int
    used_ore: int
    refunded_units: int
    refunded_ore: int
    expired_units: int
    expired_ore: int
    outstanding_units: int  # at the end of the month: sold less used, refunded and expired, ever
    outstanding_ore: int


def month_of(at: datetime) -> str:
    local = at.astimezone(OSLO)
    return f"{local.year:04d}-{local.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def expiry_flow(store: str, expires: datetime, price_ore: int, units: int, used: int, now: datetime) -> Flow | None:
    """A card that ran out of time with units left: those units are no longer owed (breakage), from
    the month it expired. None while it is still valid or nothing was left."""
    left = remaining(units, used)
    if now < expires or left == 0:
        return None
    return Flow(expires, store, "expired", left, price_ore - value_of_first(price_ore, units, used))


def liability(flows: Iterable[Flow], first_month: str, last_month: str) -> list[LiabilityRow]:
    """Per month (Oslo) and store, each month of [first_month, last_month] for every store that has
    anything owed or moving: the month's movements and what is outstanding at its end (counting every
    flow before the month too)."""
    moves: dict[tuple[str, str], dict[str, int]] = {}
    stores: set[str] = set()
    before: dict[str, list[int]] = {}
    for flow in flows:
        month = month_of(flow.at)
        stores.add(flow.store)
        sign = 1 if flow.movement == "sold" else -1
        if month < first_month:
            acc = before.setdefault(flow.store, [0, 0])
            acc[0] += sign * flow.units
            acc[1] += sign * flow.ore
            continue
        if month > last_month:
            continue
        cell = moves.setdefault((month, flow.store), {})
        cell[f"{flow.movement}_units"] = cell.get(f"{flow.movement}_units", 0) + flow.units
        cell[f"{flow.movement}_ore"] = cell.get(f"{flow.movement}_ore", 0) + flow.ore
    rows = []
    for store in sorted(stores):
        units, ore = before.get(store, [0, 0])
        for month in months_between(first_month, last_month):
            cell = moves.get((month, store), {})
            units += cell.get("sold_units", 0) - sum(cell.get(f"{m}_units", 0) for m in ("used", "refunded", "expired"))
            ore += cell.get("sold_ore", 0) - sum(cell.get(f"{m}_ore", 0) for m in ("used", "refunded", "expired"))
            if not cell and units == 0 and ore == 0:
                continue
            rows.append(
                LiabilityRow(
                    month=month,
                    store=store,
                    sold_units=cell.get("sold_units", 0),
                    sold_ore=cell.get("sold_ore", 0),
                    used_units=cell.get("used_units", 0),
                    used_ore=cell.get("used_ore", 0),
                    refunded_units=cell.get("refunded_units", 0),
                    refunded_ore=cell.get("refunded_ore", 0),
                    expired_units=cell.get("expired_units", 0),
                    expired_ore=cell.get("expired_ore", 0),
                    outstanding_units=units,
                    outstanding_ore=ore,
                )
            )
    return sorted(rows, key=lambda r: (r.month, r.store))


def parse_month(text: str | None, field: str, default: date) -> str:
    if text is None or text == "":
        return f"{default.year:04d}-{default.month:02d}"
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit() or not 1 <= int(text[5:]) <= 12:
        raise DomainError(
            "validation_error", "A month is written YYYY-MM.", errors=[{"field": field, "message": "YYYY-MM"}]
        )
    return text


def kroner(ore: int) -> float:
    """Øre as kroner for the spreadsheet (exact: øre are whole hundredths)."""
    return ore / 100


def can_be_undone(kind: str, reversed_already: bool) -> bool:
    """At the till, only the member's latest klippekort entry, when it is a sale or a use: after a
    refund or an owner's void nothing before it is undone at the till."""
    return kind in ("sale", "use") and not reversed_already


MAX_MONTHS = 120


def report_months(first: str | None, last: str | None, today: date) -> tuple[str, str]:
    """The report's months: `last` defaults to this month, `first` to eleven months before it (a year)."""
    end = parse_month(last, "to", today)
    if first:
        start = parse_month(first, "from", today)
    else:
        year, month = int(end[:4]), int(end[5:7]) - 11
        while month < 1:
            year, month = year - 1, month + 12
        start = f"{year:04d}-{month:02d}"
    if start > end or len(months_between(start, end)) > MAX_MONTHS:
        raise DomainError(
            "validation_error",
            "Pick from 1 to 120 months, the first before the last.",
            errors=[{"field": "from", "message": "range"}],
        )
    return start, end
