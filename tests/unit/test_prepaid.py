"""Klippekort rules: validity, what is left, whether a use is allowed, and the liability arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard import prepaid as rules
from digital_stampcard.errors import DomainError

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_a_card_works_through_the_last_oslo_day() -> None:
    # Sold 24 November at 11:00 Oslo for 30 days: works until midnight Oslo after 24 December.
    assert rules.expires_at(NOW, 30) == datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
    # Sold 00:30 Oslo in summer time (22:30 UTC the day before): the Oslo day counts.
    summer = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
    assert rules.expires_at(summer, 1) == datetime(2026, 7, 2, 22, 0, tzinfo=UTC)


def test_status_follows_from_the_facts() -> None:
    ends = NOW + timedelta(days=1)
    assert rules.card_status("active", 10, 3, ends, NOW) == "active"
    assert rules.card_status("active", 10, 10, ends, NOW) == "used_up"
    assert rules.card_status("active", 10, 3, ends, ends) == "expired"
    assert rules.card_status("refunded", 10, 3, ends, NOW) == "refunded"
    assert rules.card_status("voided", 10, 0, ends, NOW) == "voided"
    assert rules.remaining(10, 12) == 0


@pytest.mark.parametrize(
    ("status", "stores", "store", "code"),
    [
        ("used_up", [], 1, "prepaid_used_up"),
        ("expired", [], 1, "prepaid_expired"),
        ("refunded", [], 1, "prepaid_closed"),
        ("voided", [], 1, "prepaid_closed"),
        ("active", [2], 1, "prepaid_not_here"),
        ("active", [2], None, "prepaid_not_here"),
    ],
)
def test_a_use_is_refused_with_a_reason(
    status: rules.CardStatus, stores: list[int], store: int | None, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        rules.check_use(status, stores, store)
    assert refused.value.code == code


def test_a_use_is_allowed_on_an_active_card_where_it_works() -> None:
    rules.check_use("active", [], 1)
    rules.check_use("active", [1, 2], 2)


def test_an_ended_product_is_not_sold() -> None:
    with pytest.raises(DomainError) as ended:
        rules.check_sale(False, None, [], 1, NOW)
    assert ended.value.code == "prepaid_product_ended"
    rules.check_sale(True, None, [], 1, NOW)


@given(st.integers(min_value=0, max_value=rules.MAX_PRICE_ORE), st.integers(min_value=1, max_value=rules.MAX_UNITS))
def test_the_units_add_up_to_the_price_exactly(price: int, units: int) -> None:
    values = [rules.unit_value(price, units, n) for n in range(1, units + 1)]
    assert sum(values) == price
    assert max(values) - min(values) <= 1  # no unit is worth more than one øre above another


@given(
    st.integers(min_value=0, max_value=rules.MAX_PRICE_ORE),
    st.integers(min_value=1, max_value=rules.MAX_UNITS),
    st.data(),
)
def test_a_refund_returns_what_the_unused_units_are_worth(price: int, units: int, data: st.DataObject) -> None:
    used = data.draw(st.integers(min_value=0, max_value=units - 1))
    refund = rules.plan_refund("active", price, units, used)
    assert refund.units == units - used
    assert refund.value_ore + sum(rules.unit_value(price, units, n) for n in range(1, used + 1)) == price


def test_nothing_to_refund_on_a_used_up_or_closed_card() -> None:
    with pytest.raises(DomainError) as none_left:
        rules.plan_refund("used_up", 30000, 10, 10)
    assert none_left.value.code == "prepaid_nothing_to_refund"
    with pytest.raises(DomainError) as closed:
        rules.plan_refund("refunded", 30000, 10, 2)
    assert closed.value.code == "prepaid_closed"
    assert rules.plan_refund("expired", 30000, 10, 4) == rules.Refund(6, 18000)  # the shop may still refund


def test_voids_and_undo() -> None:
    rules.check_voidable("use", False, 3)
    rules.check_voidable("sale", False, 0)
    for kind, reversed_already, used, code in [
        ("sale", False, 1, "prepaid_sale_in_use"),
        ("use", True, 1, "already_voided"),
        ("refund", False, 1, "not_voidable"),
    ]:
        with pytest.raises(DomainError) as refused:
            rules.check_voidable(kind, reversed_already, used)
        assert refused.value.code == code
    assert rules.can_be_undone("use", False) and rules.can_be_undone("sale", False)
    assert not rules.can_be_undone("use", True) and not rules.can_be_undone("refund", False)


def flow(day: datetime, store: str, movement: rules.Movement, units: int, ore: int) -> rules.Flow:
    return rules.Flow(day, store, movement, units, ore)


def test_the_liability_per_month_and_store() -> None:
    nov, dec = datetime(2026, 11, 24, 10, tzinfo=UTC), datetime(2026, 12, 5, 10, tzinfo=UTC)
    flows = [
        flow(nov, "A", "sold", 10, 30000),
        flow(nov, "A", "used", 3, 9000),
        flow(dec, "A", "used", -1, -3000),  # an undo in December of a November use
        flow(dec, "A", "refunded", 8, 24000),
        flow(datetime(2026, 10, 1, 10, tzinfo=UTC), "B", "sold", 5, 5000),  # before the report: carried in
    ]
    rows = rules.liability(flows, "2026-11", "2027-01")
    assert [(r.month, r.store, r.outstanding_units, r.outstanding_ore) for r in rows] == [
        ("2026-11", "A", 7, 21000),
        ("2026-11", "B", 5, 5000),
        ("2026-12", "A", 0, 0),
        ("2026-12", "B", 5, 5000),
        ("2027-01", "B", 5, 5000),  # owed still, with no movement: the month is listed
    ]
    assert rows[2].used_units == -1 and rows[2].refunded_ore == 24000


def test_the_month_boundary_is_oslo_midnight() -> None:
    # 23:30 UTC on 30 November is 00:30 on 1 December in Oslo.
    assert rules.month_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "2026-12"


def test_an_expired_card_stops_being_owed_from_its_expiry_month() -> None:
    ends = datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
    assert rules.expiry_flow("A", ends, 30000, 10, 4, ends - timedelta(seconds=1)) is None
    assert rules.expiry_flow("A", ends, 30000, 10, 10, ends) is None
    assert rules.expiry_flow("A", ends, 30000, 10, 4, ends) == rules.Flow(ends, "A", "expired", 6, 18000)


def test_report_months() -> None:
    today = date(2026, 12, 8)
    assert rules.report_months(None, None, today) == ("2026-01", "2026-12")
    assert rules.report_months("2026-11", "2027-01", today) == ("2026-11", "2027-01")
    for first, last in [("2026-13", None), ("2026-1", None), ("2027-01", "2026-11"), ("2000-01", "2026-12")]:
        with pytest.raises(DomainError):
            rules.report_months(first, last, today)
    assert rules.months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
