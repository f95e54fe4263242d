"""Points: earning, the refund window, spending first what expires first, reversals and expiry."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from digital_stampcard import points
from digital_stampcard.errors import DomainError
from digital_stampcard.points import Lot, PointsRules, Take

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
RULES = PointsRules(ore_per_point=1000, action_points={"profile_completed": 50}, refund_window_days=14)


def lot(lot_id: int, pts: int, *, days_ago: int, rules: PointsRules = RULES, purchase: bool = True, **kw: int) -> Lot:
    earned = NOW - timedelta(days=days_ago)
    confirms, expires = points.lot_dates(earned, rules, purchase=purchase)
    return Lot(lot_id, pts, earned, confirms, expires, **kw)  # type: ignore[arg-type]


def test_a_purchase_earns_a_point_per_full_amount_times_the_tier_multiplier() -> None:
    assert points.purchase_points(24_900, RULES) == 24  # 249 NOK at 10 NOK a point: 9 NOK not carried
    assert points.purchase_points(24_900, RULES, multiplier=2) == 48
    assert points.purchase_points(999, RULES) == 0
    with pytest.raises(DomainError):
        points.purchase_points(-1, RULES)


def test_actions_earn_what_the_owner_set_and_unset_actions_nothing() -> None:
    assert points.action_points("profile_completed", RULES) == 50
    assert points.action_points("birthday", RULES) == 0
    with pytest.raises(ValueError):
        points.action_points("dancing", RULES)


def test_a_purchase_waits_out_the_refund_window_and_an_action_does_not() -> None:
    confirms, expires = points.lot_dates(NOW, RULES, purchase=True)
    assert confirms == NOW + timedelta(days=14) and expires == confirms + timedelta(days=365)
    assert points.lot_dates(NOW, RULES, purchase=False)[0] == NOW


def test_the_balance_counts_confirmed_points_and_shows_pending_and_expiring_apart() -> None:
    lots = [
        lot(1, 100, days_ago=3),  # pending: inside the refund window
        lot(2, 40, days_ago=20),  # confirmed
        lot(3, 30, days_ago=14 + 350),  # confirmed, expires in 15 days: inside the 30-day reminder
        lot(4, 99, days_ago=14 + 400),  # expired
        lot(5, 70, days_ago=20, reversed=True),  # refunded
    ]
    balance = points.balance(lots, NOW, RULES)
    assert (balance.confirmed, balance.pending, balance.expiring) == (70, 100, 30)
    assert balance.expiring_at == lots[2].expires_at


def test_a_spend_takes_first_from_what_expires_first_and_never_more_than_there_is() -> None:
    lots = [lot(1, 40, days_ago=20), lot(2, 30, days_ago=300, spent=10), lot(3, 500, days_ago=2)]
    assert points.plan_spend(lots, 25, NOW) == [Take(2, 20), Take(1, 5)]
    assert points.plan_spend(lots, 60, NOW) == [Take(2, 20), Take(1, 40)]
    with pytest.raises(DomainError) as refused:
        points.plan_spend(lots, 61, NOW)  # the 500 are still pending
    assert refused.value.code == "insufficient_points" and refused.value.extra == {"balance": 60, "cost": 61}


def test_a_refund_inside_the_window_takes_back_the_pending_lot() -> None:
    pending = lot(1, 100, days_ago=3)
    reversal = points.plan_reversal(pending, [pending, lot(2, 40, days_ago=20)], NOW)
    assert reversal == points.Reversal([Take(1, 100)], shortfall=0)


def test_a_refund_after_spending_takes_the_spent_part_from_other_points_down_to_zero() -> None:
    earned = lot(1, 100, days_ago=30, spent=80)
    other = lot(2, 50, days_ago=20)
    assert points.plan_reversal(earned, [earned, other], NOW) == points.Reversal([Take(1, 20), Take(2, 50)], 30)
    assert points.plan_reversal(earned, [earned, lot(2, 500, days_ago=20)], NOW).shortfall == 0
    with pytest.raises(DomainError):
        points.plan_reversal(msgspec.structs.replace(earned, reversed=True), [earned], NOW)


def test_past_its_date_what_is_left_in_a_lot_expires_once() -> None:
    old = lot(1, 100, days_ago=14 + 366, spent=30)
    assert points.expiring_now([old, lot(2, 10, days_ago=20)], NOW) == [Take(1, 70)]
    assert points.expiring_now([msgspec.structs.replace(old, expired=70)], NOW) == []


def test_tiers_count_points_earned_not_the_balance() -> None:
    lots = [lot(1, 100, days_ago=30, spent=100), lot(2, 40, days_ago=400), lot(3, 70, days_ago=10, reversed=True)]
    assert points.tier_points(lots, NOW - timedelta(days=365)) == 100


@pytest.mark.parametrize(
    ("rules", "word"),
    [
        (PointsRules(ore_per_point=0), "amount per point"),
        (PointsRules(action_points={"dancing": 5}), "Unknown action"),
        (PointsRules(action_points={"birthday": -1}), "birthday"),
        (PointsRules(expiry_days=0), "expiry"),
        (PointsRules(refund_window_days=-1), "refund window"),
        (PointsRules(expiry_days=30, reminder_days=30), "reminder"),
    ],
)
def test_wrong_settings_are_refused_in_one_line(rules: PointsRules, word: str) -> None:
    with pytest.raises(DomainError) as refused:
        points.check_rules(rules)
    assert word in refused.value.detail and "\n" not in refused.value.detail


def test_no_sequence_of_spends_and_refunds_drives_the_balance_below_zero() -> None:
    rng = random.Random(14)
    for _ in range(200):
        lots = {i: lot(i, rng.randint(1, 100), days_ago=rng.randint(0, 500)) for i in range(1, rng.randint(2, 8))}
        for _ in range(10):
            if rng.random() < 0.7:
                try:
                    takes = points.plan_spend(list(lots.values()), rng.randint(1, 150), NOW)
                except DomainError:
                    continue
            else:
                target = rng.choice(list(lots.values()))
                if target.reversed:
                    continue
                takes = points.plan_reversal(target, list(lots.values()), NOW).takes
                lots[target.id] = msgspec.structs.replace(target, reversed=True)
            for take in takes:
                taken = lots[take.lot_id]
                assert 0 < take.points <= taken.left()
                lots[take.lot_id] = msgspec.structs.replace(taken, spent=taken.spent + take.points)
            assert points.balance(list(lots.values()), NOW, RULES).confirmed >= 0
            assert all(x.left() >= 0 for x in lots.values())
