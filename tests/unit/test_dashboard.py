"""Dashboard rules: the period, Oslo days and weeks, gaps filled, rates, win-backs and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard.dashboard import (
    Period,
    by_week,
    day_of_utc_hour,
    fill_days,
    oslo_day,
    parse_period,
    period_weeks,
    rate,
    redemption_rate,
    running_total,
    to_csv,
    won_back,
)
from digital_stampcard.errors import DomainError

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def test_the_default_period_is_the_last_30_days_up_to_today() -> None:
    assert parse_period(None, None, NOW) == Period(date(2026, 10, 26), date(2026, 11, 24))
    assert parse_period(None, "2026-11-10", NOW) == Period(date(2026, 10, 12), date(2026, 11, 10))


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        ("2026-11-24", "2026-11-23", "dashboard_period_reversed"),
        ("2025-11-23", "2026-11-24", "dashboard_period_too_long"),
        ("2026-13-01", None, "dashboard_bad_date"),
    ],
)
def test_a_wrong_period_is_refused(first: str, last: str | None, code: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_period(first, last, NOW)
    assert error.value.code == code


def test_period_bounds_are_oslo_midnights_in_summer_and_winter() -> None:
    start, end = Period(date(2026, 3, 28), date(2026, 3, 29)).utc_bounds()  # summer time starts on the 29th
    assert start == datetime(2026, 3, 27, 23, tzinfo=UTC) and end == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_utc_hours_fall_into_oslo_days() -> None:
    assert day_of_utc_hour("2026-11-23 23") == date(2026, 11, 24)  # winter: UTC+1
    assert day_of_utc_hour("2026-11-23 22") == date(2026, 11, 23)
    assert day_of_utc_hour("2026-07-01 22:15:00+00:00") == date(2026, 7, 2)  # summer: UTC+2


@given(days, st.integers(0, 365), st.dictionaries(days, st.integers(0, 1000)))
def test_every_day_of_the_period_is_there_once_and_counts_are_kept(
    first: date, length: int, counts: dict[date, int]
) -> None:
    period = Period(first, first + timedelta(days=length))
    filled = fill_days(counts, period)
    assert [d for d, _ in filled] == [first + timedelta(days=i) for i in range(length + 1)]
    inside = sum(n for d, n in counts.items() if period.first <= d <= period.last)
    assert sum(n for _, n in filled) == inside
    weekly = by_week(filled, period)
    assert sum(n for _, n in weekly) == inside
    assert [w for w, _ in weekly] == period_weeks(period)
    assert all(w.weekday() == 0 for w, _ in weekly)
    assert weekly[0][0] <= period.first < weekly[0][0] + timedelta(days=7)
    assert weekly[-1][0] <= period.last < weekly[-1][0] + timedelta(days=7)


@given(st.integers(0, 10**6), st.lists(st.integers(0, 1000), max_size=60))
def test_the_running_total_ends_at_start_plus_everything(start: int, values: list[int]) -> None:
    buckets = [(date(2026, 1, 1) + timedelta(weeks=i), v) for i, v in enumerate(values)]
    out = running_total(start, buckets)
    assert (out[-1][2] if out else start) == start + sum(values)
    assert all(b[2] <= c[2] for b, c in zip(out, out[1:], strict=False))


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_rates_are_between_zero_and_one_or_none(part: int, extra: int) -> None:
    value = rate(part, part + extra)
    assert value is None if part + extra == 0 else 0 <= value <= 1


def test_redemption_rate_is_of_the_rewards_that_ended() -> None:
    assert redemption_rate(3, 1) == 0.75
    assert redemption_rate(0, 0) is None


def test_won_back_means_a_visit_within_the_window_after_the_push() -> None:
    sent = datetime(2026, 11, 1, 10, tzinfo=UTC)
    sends = {1: sent, 2: sent, 3: sent, 4: sent}
    visits = [
        (1, sent + timedelta(days=3)),  # back
        (2, sent - timedelta(hours=1)),  # before the push: not because of it
        (3, sent + timedelta(days=14, seconds=1)),  # too late
        (4, sent + timedelta(days=14)),  # on the last moment
        (5, sent + timedelta(days=1)),  # never messaged
    ]
    assert won_back(sends, visits, 14) == {1, 4}


def test_csv_is_what_norwegian_excel_opens() -> None:
    text = to_csv(["Butikk", "Andel"], [("Grünerløkka", 0.5), ("A;B", None), ('Si "hei"', 3), ("=SUM(A1)", -2)])
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    assert text.split("\r\n")[1:5] == ["Grünerløkka;0,5", '"A;B";', '"Si ""hei""";3', "'=SUM(A1);-2"]


@given(st.lists(st.lists(st.one_of(st.text(max_size=20), st.integers(-(10**9), 10**9)), min_size=2, max_size=2)))
def test_csv_reads_back_cell_for_cell(rows: list[list[str | int]]) -> None:
    text = to_csv(["a", "b"], rows).removeprefix("\ufeff")
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert parsed[0] == ["a", "b"]
    guarded = ("=", "+", "-", "@", "\t", "\r")  # a leading formula character gets a quote mark
    expected = [[("'" + v if v[:1] in guarded else v) if isinstance(v, str) else str(v) for v in r] for r in rows]
    assert parsed[1:] == expected


def test_the_sqlite_rollup_trigger_finds_the_oslo_day_of_every_minute_around_the_clock_changes() -> None:
    """The trigger's SQL for SQLite (which has no time zones) agrees with the tz database: every hour
    of 2024-2031, and every minute of the hours either side of each summer-time switch."""
    import sqlite3

    from backend.dashboard.piccolo_migrations.dashboard_2026_12_07t03_31_48_000000 import oslo_day_sqlite

    start = datetime(2024, 1, 1, tzinfo=UTC)
    instants = [start + timedelta(hours=h) for h in range(8 * 366 * 24)]
    for year in range(2024, 2032):
        for month in (3, 10):
            last_sunday = max(
                d for d in (date(year, month, 31) - timedelta(days=i) for i in range(7)) if d.weekday() == 6
            )
            switch = datetime.combine(last_sunday, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
            instants += [switch + timedelta(minutes=m, seconds=s) for m in range(-90, 90) for s in (0, 59)]
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE TABLE t (at TEXT)")
        # Piccolo stores timestamptz as str() of the UTC datetime, with or without microseconds.
        connection.executemany(
            "INSERT INTO t VALUES (?)", [(str(i.replace(microsecond=i.second * 1000)),) for i in instants]
        )
        rows = connection.execute(f"SELECT at, {oslo_day_sqlite('at')} FROM t").fetchall()
    finally:
        connection.close()
    wrong = [(at, day) for at, day in rows if date.fromisoformat(day) != oslo_day(datetime.fromisoformat(at))]
    assert wrong == [] and len(rows) == len(instants)
