"""The dashboard's SQL, the same on SQLite and PostgreSQL where it can be.

The ledger and reward figures come from rollups per Oslo day (ledger_day, visit_gap, reward_day in
backend/cards/tables.py), which database triggers keep in the writer's transaction: a year of
stamps is a few hundred rows to sum, not millions to group. The rest are small aggregates, each
served by an index. Sign-ups group member rows by day: PostgreSQL by the Oslo date itself; SQLite
has no time zones, so by the UTC hour, and `digital_stampcard.dashboard.day_of_utc_hour` folds the
hours into Oslo days (Oslo's offsets are whole hours, so an hour never straddles two days)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.cards.tables import LedgerEntry
from backend.db import forgotten_if_lost, is_postgres
from digital_stampcard.dashboard import day_of_utc_hour, oslo_day, oslo_midnight

Counts = dict[date, int]


@asynccontextmanager
async def serial_plans() -> AsyncIterator[None]:
    """On PostgreSQL, plan without parallel workers. The dashboard already runs its dozen queries side
    by side, each on its own pooled connection; parallel workers on top only oversubscribe the cores
    (benchmarks/dashboard.py, 365 days on 2 CPUs: p50 290 -> 190 ms). One short transaction for the
    SET LOCAL. SQLite has no parallel plans."""
    engine = LedgerEntry._meta.db
    if not is_postgres(engine):
        yield
        return
    async with forgotten_if_lost(engine), engine.transaction():
        await LedgerEntry.raw("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


async def _rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    async with serial_plans():
        return list(await LedgerEntry.raw(sql, *args))


def _day(engine: Engine[Any], column: str) -> str:
    if is_postgres(engine):
        return f"({column} AT TIME ZONE 'Europe/Oslo')::date"
    return f"substr({column}, 1, 13)"


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else day_of_utc_hour(str(value))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


async def members_before(start: datetime) -> int:
    [row] = await _rows("SELECT COUNT(*) AS n FROM member WHERE joined_at < {}", start)
    return int(row["n"])


async def signups(engine: Engine[Any], start: datetime, end: datetime) -> dict[tuple[int | None, str], Counts]:
    """New members per Oslo day, per (source store, sign-up source); the store is None when they
    joined without one."""
    rows = await _rows(
        f"SELECT {_day(engine, 'joined_at')} AS bucket, source_store, signup_source, COUNT(*) AS n FROM member "
        "WHERE joined_at >= {} AND joined_at < {} GROUP BY 1, 2, 3",
        start,
        end,
    )
    out: dict[tuple[int | None, str], Counts] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        out[(row["source_store"], row["signup_source"])][_as_day(row["bucket"])] += int(row["n"])
    return out


async def stamps_per_day(first: date, last: date) -> Counts:
    """Net stamps given per Oslo day: visits and bonuses, less what was undone or voided (from the
    ledger_day rollup, which a trigger keeps in step with the ledger)."""
    rows = await _rows(
        "SELECT day, SUM(stamps) AS n FROM ledger_day WHERE kind IN ('stamp', 'bonus', 'undo', 'void') "
        "AND day >= {} AND day <= {} GROUP BY day",
        first,
        last,
    )
    return {_as_date(row["day"]): int(row["n"] or 0) for row in rows}


async def rewards_per_day(first: date, last: date, now: datetime) -> dict[str, Counts]:
    """Rewards issued, redeemed and expired per Oslo day, from the reward_day rollup. A reward still
    active past its expiry counts as expired on its expiry day (the status is swept later); revoked
    ones are in none. Today only what ran out by `now` counts, read from the reward table."""
    today = oslo_day(now)
    rows = await _rows(
        "SELECT measure, day, n FROM reward_day WHERE day >= {} AND day <= {} AND n <> 0 "
        "AND (measure <> 'ends' OR day < {})",
        first,
        last,
        today,
    )
    out: dict[str, Counts] = {k: defaultdict(int) for k in ("issued", "redeemed", "expired")}
    for row in rows:
        out["expired" if row["measure"] == "ends" else row["measure"]][_as_date(row["day"])] += int(row["n"])
    if first <= today <= last:
        [row] = await _rows(
            "SELECT COUNT(*) AS n FROM reward WHERE expires_at >= {} AND expires_at <= {} "
            "AND status IN ('active', 'expired')",
            oslo_midnight(today),
            now,
        )
        if row["n"]:
            out["expired"][today] += int(row["n"])
    return out


def _visitors(lag: int) -> str:
    """Members with a visit on the days [{first}, {last}] (lag 1), or that plus those with two or more
    (lag 2): their visit `lag` visits earlier was before the first day. See VisitGap."""
    return (
        f"(SELECT COALESCE(SUM(visits), 0) FROM visit_gap WHERE lag = {lag} AND day >= {{}} AND day <= {{}} "
        "AND since < {})"
    )


async def activity(first: date, last: date, as_of: date) -> dict[str, int]:
    """Visits (stamp entries), visitors and repeat visitors in [first, last]; members active in the
    30 and 90 Oslo days up to `as_of`, that day included. All from the rollups."""
    a30, a90 = as_of - timedelta(days=29), as_of - timedelta(days=89)
    [row] = await _rows(
        "SELECT (SELECT COALESCE(SUM(entries), 0) FROM ledger_day WHERE kind = 'stamp' AND day >= {} AND day <= {}) "
        f"AS visits, {_visitors(1)} AS visitors, {_visitors(2)} AS seconds, {_visitors(1)} AS a30, "
        f"{_visitors(1)} AS a90",
        first,
        last,
        *(first, last, first),
        *(first, last, first),
        *(a30, as_of, a30),
        *(a90, as_of, a90),
    )
    out = {k: int(row[k]) for k in ("visits", "visitors", "seconds", "a30", "a90")}
    out["repeaters"] = out.pop("seconds") - out["visitors"]
    return out


async def tier_counts() -> dict[str, int]:
    rows = await _rows("SELECT tier_code, COUNT(*) AS n FROM member GROUP BY tier_code")
    return {str(r["tier_code"]): int(r["n"]) for r in rows}


async def push_figures() -> tuple[int, int]:
    """(members with a working push subscription, members whose latest push-offer consent is yes)."""
    devices, consent = await asyncio.gather(
        _rows(
            "SELECT COUNT(*) AS n FROM (SELECT member FROM push_subscription WHERE flagged_at IS NULL "
            "GROUP BY member) s"
        ),
        # A yes with no later event for the same purpose (index consent_event_purpose_member_id).
        _rows(
            "SELECT COUNT(*) AS n FROM consent_event e WHERE e.purpose = 'marketing_push' AND e.granted "
            "AND NOT EXISTS (SELECT 1 FROM consent_event l WHERE l.purpose = 'marketing_push' "
            "AND l.member = e.member AND l.id > e.id)"
        ),
    )
    return int(devices[0]["n"]), int(consent[0]["n"])


async def campaigns_released(start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = await _rows(
        "SELECT id, title, released_at FROM campaign WHERE status = 'released' "
        "AND released_at >= {} AND released_at < {} ORDER BY released_at",
        start,
        end,
    )
    return [{**r, "released_at": _as_time(r["released_at"])} for r in rows]


async def we_miss_you_returns(start: datetime, end: datetime, until: datetime) -> list[dict[str, Any]]:
    """Members whose "vi savner deg" push was first sent in [start, end), with that time and their
    first visit (stamp) after it and before `until` (None: none yet). One index probe per member."""
    rows = await _rows(
        "SELECT f.member AS member, f.sent_at AS sent_at, (SELECT MIN(l.created_at) FROM ledger_entry l "
        "WHERE l.member = f.member AND l.kind = 'stamp' AND l.created_at > f.sent_at AND l.created_at < {}) AS back_at "
        "FROM (SELECT n.member AS member, MIN(d.sent_at) AS sent_at FROM notification n "
        "JOIN push_delivery d ON d.notification = n.id "
        "WHERE n.kind = 'we_miss_you' AND d.status = 'sent' AND d.sent_at >= {} AND d.sent_at < {} "
        "GROUP BY n.member) f",
        until,
        start,
        end,
    )
    return [
        {
            "member": int(r["member"]),
            "sent_at": _as_time(r["sent_at"]),
            "back_at": None if r["back_at"] is None else _as_time(r["back_at"]),
        }
        for r in rows
    ]
