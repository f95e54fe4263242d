"""Points: earned per NOK spent or per action, pending through the refund window, spent first from
the points that expire first, each lot expiring on its own rolling date. Pure: the backend keeps the
lots and their takes in an append-only ledger and hands them here under the member's lock.

A *lot* is what one purchase or action earned. Everything that leaves the balance is a *take* from
a lot: a spend (a reward from the catalogue), an expiry, or a reversal (the purchase was refunded
or voided). The balance is what the confirmed, unexpired lots still hold, so it can never be
negative: a take is planned only from what is there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import msgspec

from digital_stampcard.errors import DomainError

ACTIONS = ("profile_completed", "survey_answered", "referral", "birthday")
MAX_ORE_PER_POINT = 1_000_000  # 10,000 NOK a point: beyond that a point is nothing a member earns
MAX_ACTION_POINTS = 100_000
MAX_DAYS = 3650


class PointsRules(msgspec.Struct, frozen=True):
    ore_per_point: int = 1000  # one point per 10 NOK
    action_points: dict[str, int] = msgspec.field(default_factory=dict)  # ACTIONS -> points
    refund_window_days: int = 14  # a purchase's points stay pending this long
    expiry_days: int = 365  # each lot can be spent this long after it is confirmed
    reminder_days: int = 30  # the member is reminded this long before points expire


class Lot(msgspec.Struct, frozen=True):
    id: int
    points: int  # as earned, the tier multiplier applied
    earned_at: datetime
    confirms_at: datetime  # spendable from here (the end of the refund window)
    expires_at: datetime
    spent: int = 0  # taken by spends, and by reversals of other lots that were already spent
    expired: int = 0  # taken by expiry
    reversed: bool = False  # its purchase was refunded or voided (what was left in it is taken back too)

    def left(self) -> int:
        return self.points - self.spent - self.expired

    def spendable(self, now: datetime) -> int:
        if self.reversed or now < self.confirms_at or now >= self.expires_at:
            return 0
        return self.left()


class Take(msgspec.Struct, frozen=True):
    lot_id: int
    points: int


class Balance(msgspec.Struct, frozen=True):
    confirmed: int  # spendable now
    pending: int  # inside the refund window
    expiring: int  # of `confirmed`, what expires at `expiring_at` or before the reminder window ends
    expiring_at: datetime | None  # the first date points expire, within the reminder window


class Reversal(msgspec.Struct, frozen=True):
    takes: list[Take]
    shortfall: int  # points already spent that the balance could not give back (never negative)


def check_rules(rules: PointsRules) -> None:
    """The owner's settings, each refused with one line naming it."""
    if not 1 <= rules.ore_per_point <= MAX_ORE_PER_POINT:
        raise DomainError("validation_error", "The amount per point must be between 0.01 and 10,000 NOK.")
    for action, points in rules.action_points.items():
        if action not in ACTIONS:
            raise DomainError("validation_error", f"Unknown action {action!r}: use one of {', '.join(ACTIONS)}.")
        if not 0 <= points <= MAX_ACTION_POINTS:
            raise DomainError("validation_error", f"Points for {action} must be between 0 and {MAX_ACTION_POINTS}.")
    for name, days, low in (
        ("refund window", rules.refund_window_days, 0),
        ("expiry", rules.expiry_days, 1),
        ("reminder", rules.reminder_days, 0),
    ):
        if not low <= days <= MAX_DAYS:
            raise DomainError("validation_error", f"The {name} must be between {low} and {MAX_DAYS} days.")
    if rules.reminder_days >= rules.expiry_days:
        raise DomainError("validation_error", "The reminder must come before the points expire.")


def purchase_points(amount_ore: int, rules: PointsRules, multiplier: int = 1) -> int:
    """One point per full `ore_per_point`, times the tier's multiplier; what is left over is not carried."""
    if amount_ore < 0:
        raise DomainError("validation_error", "The amount cannot be negative.")
    return amount_ore // rules.ore_per_point * multiplier


def points_asked(amount_ore: int, rules: PointsRules, multiplier: int = 1) -> int:
    """What the till gives for a purchase; too small a purchase is refused before anything is written,
    with what a point costs."""
    earned = purchase_points(amount_ore, rules, multiplier)
    if earned < 1:
        raise DomainError(
            "amount_too_small",
            f"This purchase is too small for a point: a point is {rules.ore_per_point / 100:g} NOK.",
        )
    return earned


def action_points(action: str, rules: PointsRules, multiplier: int = 1) -> int:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return rules.action_points.get(action, 0) * multiplier


def lot_dates(earned_at: datetime, rules: PointsRules, *, purchase: bool) -> tuple[datetime, datetime]:
    """(confirms_at, expires_at) of a new lot. A purchase waits out the refund window; an action's
    points are confirmed at once. The rolling expiry counts from confirmation."""
    confirms_at = earned_at + timedelta(days=rules.refund_window_days if purchase else 0)
    return confirms_at, confirms_at + timedelta(days=rules.expiry_days)


def _spend_order(lots: Iterable[Lot], now: datetime) -> list[Lot]:
    """Spendable lots, the first to expire first (then the oldest)."""
    return sorted((lot for lot in lots if lot.spendable(now) > 0), key=lambda lot: (lot.expires_at, lot.id))


def balance(lots: Sequence[Lot], now: datetime, rules: PointsRules) -> Balance:
    confirmed = sum(lot.spendable(now) for lot in lots)
    pending = sum(lot.left() for lot in lots if not lot.reversed and now < lot.confirms_at)
    horizon = now + timedelta(days=rules.reminder_days)
    soon = [lot for lot in _spend_order(lots, now) if lot.expires_at <= horizon]
    return Balance(
        confirmed=confirmed,
        pending=pending,
        expiring=sum(lot.spendable(now) for lot in soon),
        expiring_at=soon[0].expires_at if soon else None,
    )


def _take(lots: Iterable[Lot], points: int, now: datetime) -> tuple[list[Take], int]:
    """Takes up to `points` from the lots in spend order; returns the takes and what was missing."""
    takes = []
    missing = points
    for lot in _spend_order(lots, now):
        if missing == 0:
            break
        amount = min(missing, lot.spendable(now))
        takes.append(Take(lot.id, amount))
        missing -= amount
    return takes, missing


def plan_spend(lots: Sequence[Lot], cost: int, now: datetime) -> list[Take]:
    """What a reward of `cost` points takes, or `insufficient_points` (nothing is taken)."""
    if cost < 1:
        raise ValueError("a spend costs at least one point")
    takes, missing = _take(lots, cost, now)
    if missing:
        have = cost - missing
        raise DomainError(
            "insufficient_points",
            f"Not enough points: this costs {cost} and the member has {have}.",
            kind="conflict",
            balance=have,
            cost=cost,
        )
    return takes


def plan_reversal(lot: Lot, lots: Sequence[Lot], now: datetime) -> Reversal:
    """A refund or void of the purchase that earned `lot` takes back exactly the points it gave:
    first what is left in the lot itself (all of it while pending), then, for what was already
    spent from it, from the member's other spendable points. What the balance cannot give is the
    shortfall, recorded and never owed: the balance does not go below zero."""
    if lot.reversed:
        raise DomainError("already_reversed", "These points were already taken back.", kind="conflict")
    own = lot.left() if now < lot.expires_at else 0  # past its date the remainder goes by expiry, not here
    takes = [Take(lot.id, own)] if own else []
    others, shortfall = _take((other for other in lots if other.id != lot.id), lot.spent, now)
    return Reversal(takes + others, shortfall)


def expiring_now(lots: Sequence[Lot], now: datetime) -> list[Take]:
    """The takes that expire what is left in lots past their date (the worker writes them once)."""
    return [Take(lot.id, lot.left()) for lot in lots if not lot.reversed and lot.left() > 0 and now >= lot.expires_at]


def tier_points(lots: Iterable[Lot], since: datetime) -> int:
    """What tiers count: points earned since `since`, whatever was spent since; a refunded or voided
    purchase's points do not count."""
    return sum(lot.points for lot in lots if not lot.reversed and lot.earned_at >= since)
