"""The dashboard's rollups: the ledger and the rewards summed per Oslo day. Kept by database triggers
on every ledger and reward write, in the writer's transaction (this app's migrations), so no writer
can forget them. Append-only: a key (e.g. day, store, kind) has a row per change until the worker
folds them into one (backend/dashboard/rollups.py), so concurrent stamps never share a row lock;
readers sum the rows of a key."""

from __future__ import annotations

from piccolo.columns import Date, Integer, SmallInt, Varchar
from piccolo.table import Table


class LedgerDay(Table):
    """The ledger summed per Oslo day, store and kind, for the dashboard. Kept by a database trigger
    on every ledger insert, in the writer's transaction (the dashboard migration), so
    no writer can forget it. Keyed (not uniquely) on (day, store_key, kind)."""

    day = Date()
    store_key = Integer()  # the store's id; 0 for entries without a store
    kind = Varchar(length=20)
    entries = Integer()
    stamps = Integer()  # signed sum


class VisitGap(Table):
    """Visits (stamp entries) per Oslo day, counted by the day of the same member's visit `lag`
    (1 or 2) visits earlier; `since` is 0001-01-01 when there was none. Members with a visit in
    a period [s, e] are those whose lag-1 day is before s; with two or more, lag-2 before s minus
    those. Kept by the same trigger as LedgerDay. Keyed on (day, lag, since)."""

    day = Date()
    lag = SmallInt()
    since = Date()
    visits = Integer()


class RewardDay(Table):
    """Rewards per Oslo day and measure: "issued" (by issued_at, every reward), "redeemed" (by
    redeemed_at, status redeemed) and "ends" (by expires_at, status active or expired: run out, or
    running out that day). Kept by a trigger on insert, update and delete of reward (the dashboard
    migration). Keyed on (measure, day)."""

    measure = Varchar(length=10)
    day = Date()
    n = Integer()
