"""Reward status, the undo window, profile checks and the Europe/Oslo business day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digital_stampcard.clock import OSLO, local_day_bounds
from digital_stampcard.errors import DomainError
from digital_stampcard.profile import check_birthday, check_interests, is_complete
from digital_stampcard.rewards import UNDO_WINDOW, check_redeemable, check_undo_window, effective_status

NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)


def _code(fn: object, *args: object) -> str | None:
    assert callable(fn)
    try:
        fn(*args)
    except DomainError as error:
        return error.code
    return None


# --- rewards -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expires_in", "shown"),
    [
        ("active", timedelta(days=1), "active"),
        ("active", timedelta(microseconds=1), "active"),
        ("active", timedelta(0), "expired"),  # expires at the exact instant
        ("active", timedelta(seconds=-1), "expired"),
        ("redeemed", timedelta(days=-10), "redeemed"),  # a redeemed reward stays redeemed
        ("redeemed", timedelta(days=10), "redeemed"),
        ("revoked", timedelta(days=-10), "revoked"),
        ("revoked", timedelta(days=10), "revoked"),
        ("expired", timedelta(days=10), "expired"),
    ],
)
def test_effective_status(status: str, expires_in: timedelta, shown: str) -> None:
    assert effective_status(status, NOW + expires_in, NOW) == shown


@pytest.mark.parametrize(
    ("status", "expires_in", "code"),
    [
        ("active", timedelta(days=30), None),
        ("active", timedelta(seconds=1), None),
        ("active", timedelta(0), "reward_expired"),
        ("active", timedelta(days=-1), "reward_expired"),
        ("expired", timedelta(days=1), "reward_expired"),
        ("redeemed", timedelta(days=1), "reward_not_active"),  # redeemed exactly once
        ("redeemed", timedelta(days=-1), "reward_not_active"),
        ("revoked", timedelta(days=1), "reward_not_active"),
    ],
)
def test_check_redeemable(status: str, expires_in: timedelta, code: str | None) -> None:
    assert _code(check_redeemable, status, NOW + expires_in, NOW) == code


def test_refusing_a_redemption_is_a_conflict() -> None:
    with pytest.raises(DomainError) as caught:
        check_redeemable("redeemed", NOW + timedelta(days=1), NOW)
    assert caught.value.kind == "conflict"


@pytest.mark.parametrize(
    ("age", "code"),
    [
        (timedelta(0), None),
        (timedelta(minutes=4, seconds=59), None),
        (timedelta(minutes=5), None),  # exactly 5 minutes is still within the window
        (timedelta(minutes=5, microseconds=1), "undo_window_passed"),
        (timedelta(minutes=6), "undo_window_passed"),
        (timedelta(days=1), "undo_window_passed"),
    ],
)
def test_undo_window(age: timedelta, code: str | None) -> None:
    assert timedelta(minutes=5) == UNDO_WINDOW
    assert _code(check_undo_window, NOW - age, NOW) == code


# --- profile -----------------------------------------------------------------------------------


def test_a_profile_is_complete_only_with_every_field() -> None:
    birthday = date(1990, 5, 17)
    assert is_complete("Kari", birthday, ["kaffe"], 1) is True
    assert is_complete(None, birthday, ["kaffe"], 1) is False
    assert is_complete("", birthday, ["kaffe"], 1) is False
    assert is_complete("Kari", None, ["kaffe"], 1) is False
    assert is_complete("Kari", birthday, [], 1) is False
    assert is_complete("Kari", birthday, ["kaffe"], None) is False


@pytest.mark.parametrize(
    "birthday",
    [TODAY, date(1990, 5, 17), date(2000, 2, 29), date(TODAY.year - 120, 1, 1), TODAY - timedelta(days=1)],
)
def test_real_birthdays_are_accepted(birthday: date) -> None:
    check_birthday(birthday, TODAY)


@pytest.mark.parametrize(
    "birthday", [TODAY + timedelta(days=1), date(2100, 1, 1), date(TODAY.year - 121, 12, 31), date(1, 1, 1)]
)
def test_impossible_birthdays_are_refused(birthday: date) -> None:
    assert _code(check_birthday, birthday, TODAY) == "validation_error"


def test_interests_must_come_from_the_list() -> None:
    allowed = ["kaffe", "te", "bakst"]
    check_interests([], allowed)
    check_interests(["kaffe", "te"], allowed)
    check_interests(["kaffe", "kaffe"], allowed)
    with pytest.raises(DomainError) as caught:
        check_interests(["kaffe", "vin", "øl"], allowed)
    assert caught.value.code == "validation_error"
    assert "vin" in caught.value.detail
    assert "øl" in caught.value.detail
    assert "kaffe" not in caught.value.detail


def test_interest_names_are_case_sensitive_codes() -> None:
    with pytest.raises(DomainError):
        check_interests(["Kaffe"], ["kaffe"])


# --- the business day --------------------------------------------------------------------------


def test_oslo_day_in_winter() -> None:
    start, end = local_day_bounds(NOW)
    assert start == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=24)


def test_oslo_day_in_summer() -> None:
    start, end = local_day_bounds(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)


def test_just_after_local_midnight_is_the_new_local_day() -> None:
    # 23:30 UTC on the 24th is 00:30 on the 25th in Oslo: a new day, a new daily cap.
    start, end = local_day_bounds(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    assert start == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    # and 22:59 UTC is still the 24th.
    assert local_day_bounds(datetime(2026, 11, 24, 22, 59, tzinfo=UTC))[0] == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize("hour", [0, 1, 5, 12, 21])
def test_spring_forward_day_is_23_hours(hour: int) -> None:
    now = datetime(2026, 3, 29, hour, 0, tzinfo=UTC)
    start, end = local_day_bounds(now)
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 CET
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 00:00 CEST
    assert end - start == timedelta(hours=23)


@pytest.mark.parametrize("hour", [0, 1, 2, 12, 22])
def test_fall_back_day_is_25_hours(hour: int) -> None:
    now = datetime(2026, 10, 25, hour, 0, tzinfo=UTC)
    start, end = local_day_bounds(now)
    assert start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 00:00 CEST
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # 00:00 CET
    assert end - start == timedelta(hours=25)


def test_bounds_are_utc_and_accept_any_aware_time() -> None:
    oslo_noon = datetime(2026, 10, 25, 12, 0, tzinfo=OSLO)
    start, end = local_day_bounds(oslo_noon)
    assert start.utcoffset() == timedelta(0)
    assert end.utcoffset() == timedelta(0)
    assert (start, end) == local_day_bounds(oslo_noon.astimezone(UTC))


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_the_day_contains_now_and_starts_at_local_midnight(now: datetime) -> None:
    start, end = local_day_bounds(now)
    assert start <= now < end
    assert end - start in {timedelta(hours=23), timedelta(hours=24), timedelta(hours=25)}
    local_start, local_end = start.astimezone(OSLO), end.astimezone(OSLO)
    assert (local_start.hour, local_start.minute, local_start.second) == (0, 0, 0)
    assert (local_end.hour, local_end.minute, local_end.second) == (0, 0, 0)
    assert local_start.date() == now.astimezone(OSLO).date()
    assert local_end.date() == local_start.date() + timedelta(days=1)


def test_another_time_zone_can_be_used() -> None:
    start, end = local_day_bounds(NOW, ZoneInfo("America/New_York"))
    assert start == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=24)
