"""Unusual activity the owner should look at. Each rule takes counts read from the ledger and the
scans and decides what stands out; nothing here blocks a till, it only points at rows to check.

- A staff account giving far more stamps in the last day than its store usually gives per staff
  account per day (measured over the weeks before).
- A member hitting the daily stamp cap on many days of the last month.
- Many typed member numbers / phones (manual entries, lower trust than the QR) from one till session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from digital_stampcard.clock import OSLO


class AlertRules(msgspec.Struct, frozen=True):
    recent_hours: int = 24  # the window an alert looks at (staff rate, manual entries)
    baseline_days: int = 28  # the store's usual rate is measured over the days before that
    staff_factor: float = 3.0  # "far more": this many times the store's usual per-staff daily rate
    staff_min_stamps: int = 20  # and at least this many stamps (a quiet store's 3 vs 1 is no alert)
    cap_window_days: int = 30
    cap_days: int = 4  # days at the daily cap inside the window
    manual_entries: int = 15  # manual entries from one till session inside the recent window


DEFAULT_RULES = AlertRules()


class StoreUsage(msgspec.Struct, frozen=True):
    """Stamps a store gave over the baseline period, and how many staff accounts gave them."""

    stamps: int
    staff_accounts: int


class StaffRateAlert(msgspec.Struct, frozen=True):
    staff_id: int
    store_id: int
    stamps: int
    usual_per_day: float


class CapAlert(msgspec.Struct, frozen=True):
    member_id: int
    days: int
    last_day: str  # YYYY-MM-DD, Oslo


class ManualEntryAlert(msgspec.Struct, frozen=True):
    session_id: int
    entries: int


def usual_per_day(usage: StoreUsage, rules: AlertRules = DEFAULT_RULES) -> float:
    return usage.stamps / rules.baseline_days / max(1, usage.staff_accounts)


def staff_rate_alerts(
    recent: Iterable[tuple[int, int, int]], usage: dict[int, StoreUsage], rules: AlertRules = DEFAULT_RULES
) -> list[StaffRateAlert]:
    """`recent`: (staff id, store id, stamps in the recent window). A store with no history yet
    has no usual rate to compare with, so it raises no alert."""
    alerts = []
    for staff_id, store_id, stamps in recent:
        base = usage.get(store_id)
        if base is None or base.stamps <= 0:
            continue
        usual = usual_per_day(base, rules) * rules.recent_hours / 24
        if stamps >= rules.staff_min_stamps and stamps > rules.staff_factor * usual:
            alerts.append(StaffRateAlert(staff_id, store_id, stamps, round(usual, 1)))
    return sorted(alerts, key=lambda a: -a.stamps)


def days_at_cap(entries: Iterable[tuple[int, datetime, int]], daily_cap: int) -> dict[int, list[str]]:
    """`entries`: (member id, time, stamps) of cap-counting ledger rows (voids negative). Returns the
    Oslo days each member reached the cap on, oldest first."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for member_id, at, stamps in entries:
        totals[(member_id, at.astimezone(OSLO).date().isoformat())] += stamps
    days: dict[int, list[str]] = defaultdict(list)
    for (member_id, day), total in sorted(totals.items()):
        if daily_cap > 0 and total >= daily_cap:
            days[member_id].append(day)
    return dict(days)


def cap_alerts(
    entries: Iterable[tuple[int, datetime, int]], daily_cap: int, rules: AlertRules = DEFAULT_RULES
) -> list[CapAlert]:
    alerts = [
        CapAlert(member_id, len(days), days[-1])
        for member_id, days in days_at_cap(entries, daily_cap).items()
        if len(days) >= rules.cap_days
    ]
    return sorted(alerts, key=lambda a: (-a.days, a.member_id))


def cap_candidate_total(daily_cap: int, rules: AlertRules = DEFAULT_RULES) -> int:
    """A member needs at least this many stamps in the window to have hit the cap often enough:
    the database narrows the members down with it before the days are counted."""
    return max(1, daily_cap * rules.cap_days)


def manual_entry_alerts(
    per_session: Iterable[tuple[int, int]], rules: AlertRules = DEFAULT_RULES
) -> list[ManualEntryAlert]:
    alerts = [ManualEntryAlert(s, n) for s, n in per_session if n >= rules.manual_entries]
    return sorted(alerts, key=lambda a: -a.entries)


def windows(now: datetime, rules: AlertRules = DEFAULT_RULES) -> tuple[datetime, datetime, datetime]:
    """(recent window start, baseline start, cap window start); the baseline ends where recent starts."""
    recent = now - timedelta(hours=rules.recent_hours)
    return recent, recent - timedelta(days=rules.baseline_days), now - timedelta(days=rules.cap_window_days)
