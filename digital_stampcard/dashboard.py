"""The owner's numbers: the period, Oslo days and weeks, series with their gaps filled, rates,
"won back" after a "vi savner deg" message, and the CSV that Norwegian Excel opens as it should.

No I/O: the backend counts rows in SQL and hands the counts here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from digital_stampcard.clock import OSLO
from digital_stampcard.errors import DomainError

DEFAULT_DAYS = 30
MAX_DAYS = 366
SIGNUP_SOURCES = ("poster", "staff", "referral", "direct")  # the order the dashboard lists them in
WINBACK_DAYS = 14  # a visit this many days after the "vi savner deg" push counts as won back


class Period(msgspec.Struct, frozen=True):
    """Oslo calendar days, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: midnight Oslo on the first day to midnight Oslo after the last."""
        return oslo_midnight(self.first), oslo_midnight(self.last + timedelta(days=1))


def oslo_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=OSLO).astimezone(UTC)


def oslo_day(instant: datetime) -> date:
    return instant.astimezone(OSLO).date()


def parse_period(first: str | None, last: str | None, now: datetime) -> Period:
    """`from`/`to` as YYYY-MM-DD; missing: the last 30 days up to today (Oslo)."""
    today = oslo_day(now)
    end = _parse_day(last, "to") if last else today
    start = _parse_day(first, "from") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise DomainError("dashboard_period_reversed", "The period starts after it ends.", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise DomainError(
            "dashboard_period_too_long", f"A period can be at most {MAX_DAYS} days.", field="from", max_days=MAX_DAYS
        )
    return Period(start, end)


def _parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("dashboard_bad_date", "Dates are written YYYY-MM-DD.", field=field) from None


def day_of_utc_hour(hour: str) -> date:
    """An hour bucket "YYYY-MM-DD HH" in UTC as the Oslo day it falls in (offsets are whole hours)."""
    instant = datetime.strptime(hour[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
    return oslo_day(instant)


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def period_days(period: Period) -> list[date]:
    return [period.first + timedelta(days=i) for i in range(period.days)]


def period_weeks(period: Period) -> list[date]:
    """Mondays of every week that touches the period (the first may start before it)."""
    first = week_start(period.first)
    return [first + timedelta(weeks=i) for i in range((period.last - first).days // 7 + 1)]


def fill_days(counts: Mapping[date, int], period: Period) -> list[tuple[date, int]]:
    """One value per day of the period, zero where nothing happened; days outside are dropped."""
    return [(day, counts.get(day, 0)) for day in period_days(period)]


def by_week(daily: Iterable[tuple[date, int]], period: Period) -> list[tuple[date, int]]:
    """Daily counts summed per ISO week (Monday), every week of the period present."""
    totals = dict.fromkeys(period_weeks(period), 0)
    for day, count in daily:
        if period.first <= day <= period.last:
            totals[week_start(day)] += count
    return list(totals.items())


def running_total(start: int, values: Iterable[tuple[date, int]]) -> list[tuple[date, int, int]]:
    """(bucket, value, total after it) starting from `start`."""
    out, total = [], start
    for bucket, value in values:
        total += value
        out.append((bucket, value, total))
    return out


def rate(part: int, whole: int) -> float | None:
    """part/whole rounded to 4 decimals; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def mean(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


def redemption_rate(redeemed: int, expired: int) -> float | None:
    """Of the rewards that came to an end in the period (used or run out), the share used."""
    return rate(redeemed, redeemed + expired)


def won_back(
    sends: Mapping[int, datetime], visits: Iterable[tuple[int, datetime]], days: int = WINBACK_DAYS
) -> set[int]:
    """Members who visited within `days` after their "vi savner deg" push was sent (first send counts)."""
    window = timedelta(days=days)
    back = set()
    for member, at in visits:
        sent = sends.get(member)
        if sent is not None and sent < at <= sent + window:
            back.add(member)
    return back


# --- CSV -----------------------------------------------------------------------------------------
# Norwegian Excel reads ";"-separated files (the comma is the decimal mark there) and needs the
# UTF-8 byte-order mark to show æøå right. Rows end with CRLF (RFC 4180).

CSV_SEPARATOR = ";"
BOM = "\ufeff"
Cell = str | int | float | date | None


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 4)).replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    text = value
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):  # a spreadsheet would run it as a formula
        text = "'" + text
    if any(c in text for c in (CSV_SEPARATOR, '"', "\n", "\r")):
        text = '"' + text.replace('"', '""') + '"'
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    lines = [CSV_SEPARATOR.join(csv_cell(h) for h in header)]
    lines += [CSV_SEPARATOR.join(csv_cell(v) for v in row) for row in rows]
    return BOM + "\r\n".join(lines) + "\r\n"
