"""The dashboard's rollups kept by the database: their keys, and the triggers that keep them in the
writer's transaction, so the rollups are never ahead of or behind what they count.

Append-only: each trigger *adds rows* (a count of 1, or +1/-1 for a reward moving between counts)
and never updates one, so two tills stamping at once never wait on a shared counter row (an
upsert on (day, store, kind) made every stamp in a store queue on one row lock). The keys are plain
indexes, the dashboard sums the rows of a key, and the worker folds each key's rows into one
(`backend.dashboard.rollups.fold`) so the tables stay as small as a unique key would keep them.

- ledger_day (Oslo day, store, kind) and visit_gap (Oslo day, lag 1 and 2, the Oslo day of the
  member's visit one and two visits earlier): every insert into ledger_entry adds itself. A trigger
  rather than code at each writer: stamping, staff actions, birthday bonuses, voids and whatever
  comes next all write ledger rows, and none can forget the rollup.
- reward_day (measure, Oslo day): "issued" (every reward, by issued_at), "redeemed" (status redeemed,
  by redeemed_at) and "ends" (status active or expired, by expires_at). A trigger on insert, update
  and delete of reward moves a reward between those counts; an update that changes no count (the
  sweep from active to expired) writes nothing.

Raw SQL per engine: PostgreSQL converts to Oslo time with AT TIME ZONE; SQLite has no time zones,
so `oslo_day_sqlite` applies the EU summer-time rule (UTC+2 from 01:00 UTC on the last Sunday of
March to 01:00 UTC on the last Sunday of October, UTC+1 otherwise). Piccolo stores SQLite
timestamps as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]+00:00", which sorts as time does. Rows are
assumed to arrive in time order per member (they are written with the clock's now).

Its own migration, after the initial one: a migration's raw steps run before the tables it adds exist.
"""

from collections.abc import Callable

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T03:31:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "Dashboard rollups: keys and the append-only triggers on ledger_entry and reward that keep them"

NO_VISIT = "0001-01-01"  # visit_gap.since when the member had no earlier visit


def oslo_day_sqlite(ts: str) -> str:
    """SQLite: the Oslo calendar day (YYYY-MM-DD) of a UTC timestamp stored as text."""
    t = f"substr({ts}, 1, 19)"
    year = f"substr({ts}, 1, 4)"
    summer_from = f"date({year} || '-03-31', '-6 days', 'weekday 0') || ' 01:00:00'"
    summer_to = f"date({year} || '-10-31', '-6 days', 'weekday 0') || ' 01:00:00'"
    return f"date({t}, CASE WHEN {t} >= {summer_from} AND {t} < {summer_to} THEN '+2 hours' ELSE '+1 hours' END)"


def oslo_day_postgres(ts: str) -> str:
    return f"(({ts}) AT TIME ZONE 'Europe/Oslo')::date"


# Renders "the Oslo calendar day of this timestamp expression" in one engine's SQL.
OsloDay = Callable[[str], str]

KEYS = [  # not unique: a key has several rows until the worker folds them
    "CREATE INDEX IF NOT EXISTS ledger_day_key ON ledger_day (day, store_key, kind)",
    "CREATE INDEX IF NOT EXISTS visit_gap_key ON visit_gap (lag, day, since)",
    "CREATE INDEX IF NOT EXISTS reward_day_key ON reward_day (measure, day)",
]


def ledger_backfill(oslo_day: OsloDay) -> list[str]:
    """Statements that fill both rollups from the ledger as it is (both empty before)."""
    return [
        "INSERT INTO ledger_day (day, store_key, kind, entries, stamps) "
        f"SELECT {oslo_day('created_at')}, COALESCE(store, 0), kind, COUNT(*), COALESCE(SUM(stamps), 0) "
        "FROM ledger_entry GROUP BY 1, 2, 3",
        "WITH v AS (SELECT day, LAG(day, 1) OVER m AS p1, LAG(day, 2) OVER m AS p2 FROM "
        f"(SELECT member, id, created_at, {oslo_day('created_at')} AS day FROM ledger_entry WHERE kind = 'stamp') s "
        "WINDOW m AS (PARTITION BY member ORDER BY created_at, id)) "
        "INSERT INTO visit_gap (day, lag, since, visits) "
        "SELECT day, lag, since, COUNT(*) FROM ("
        f"SELECT day, 1 AS lag, COALESCE(p1, '{NO_VISIT}') AS since FROM v "
        f"UNION ALL SELECT day, 2, COALESCE(p2, '{NO_VISIT}') FROM v) g GROUP BY day, lag, since",
    ]


def reward_backfill(oslo_day: OsloDay) -> list[str]:
    """Fills reward_day from the reward table as it is (empty before)."""
    union = " UNION ALL ".join(
        f"SELECT '{measure}' AS measure, {oslo_day(column)} AS day FROM reward WHERE {condition.format(r='')}"
        for measure, column, condition in MEASURES
    )
    return [f"INSERT INTO reward_day (measure, day, n) SELECT measure, day, COUNT(*) FROM ({union}) k GROUP BY 1, 2"]


def _before(oslo_day: OsloDay, lag: int) -> str:
    """The Oslo day of NEW's member's stamp `lag` stamps before NEW, or NO_VISIT."""
    return (
        f"COALESCE((SELECT {oslo_day('p.created_at')} FROM ledger_entry p WHERE p.member = NEW.member "
        "AND p.kind = 'stamp' AND (p.created_at, p.id) < (NEW.created_at, NEW.id) "
        f"ORDER BY p.created_at DESC, p.id DESC LIMIT 1 OFFSET {lag - 1}), '{NO_VISIT}')"
    )


LEDGER_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION ledger_entry_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    today date := {oslo_day_postgres("NEW.created_at")};
BEGIN
    INSERT INTO ledger_day (day, store_key, kind, entries, stamps)
    VALUES (today, COALESCE(NEW.store, 0), NEW.kind, 1, NEW.stamps);
    IF NEW.kind = 'stamp' THEN
        INSERT INTO visit_gap (day, lag, since, visits)
        VALUES (today, 1, {_before(oslo_day_postgres, 1)}, 1), (today, 2, {_before(oslo_day_postgres, 2)}, 1);
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER ledger_entry_rollup AFTER INSERT ON ledger_entry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entry_rollup()",
]

LEDGER_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_day AFTER INSERT ON ledger_entry BEGIN
    INSERT INTO ledger_day (day, store_key, kind, entries, stamps)
    VALUES ({oslo_day_sqlite("NEW.created_at")}, COALESCE(NEW.store, 0), NEW.kind, 1, NEW.stamps);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_visit AFTER INSERT ON ledger_entry WHEN NEW.kind = 'stamp' BEGIN
    INSERT INTO visit_gap (day, lag, since, visits)
    SELECT * FROM (SELECT {oslo_day_sqlite("NEW.created_at")}, 1, {_before(oslo_day_sqlite, 1)}, 1
    UNION ALL SELECT {oslo_day_sqlite("NEW.created_at")}, 2, {_before(oslo_day_sqlite, 2)}, 1);
END""",
]


# (measure, the time that gives the day, which rewards count); {r} is "" or "NEW." / "OLD." in a trigger.
MEASURES = [
    ("issued", "issued_at", "true"),
    ("redeemed", "redeemed_at", "{r}status = 'redeemed' AND {r}redeemed_at IS NOT NULL"),
    ("ends", "expires_at", "{r}status IN ('active', 'expired')"),
]


def _keys(oslo_day: OsloDay, row: str, delta: int) -> str:
    """The (measure, day, delta) rows one reward (NEW or OLD) gives reward_day."""
    return " UNION ALL ".join(
        f"SELECT '{measure}' AS measure, {oslo_day(f'{row}.{column}')} AS day, {delta} AS delta "
        f"WHERE {condition.format(r=row + '.')}"
        for measure, column, condition in MEASURES
    )


def _change(oslo_day: OsloDay, rows: list[tuple[str, int]]) -> str:
    """The old row's counts out, the new row's in, as rows of their own; nothing is written where they cancel."""
    union = " UNION ALL ".join(_keys(oslo_day, row, delta) for row, delta in rows)
    return (
        f"INSERT INTO reward_day (measure, day, n) SELECT measure, day, SUM(delta) FROM ({union}) c "
        "GROUP BY measure, day HAVING SUM(delta) <> 0"
    )


REWARD_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION reward_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_change(oslo_day_postgres, [("NEW", 1)])};
    ELSIF TG_OP = 'DELETE' THEN
        {_change(oslo_day_postgres, [("OLD", -1)])};
    ELSE
        {_change(oslo_day_postgres, [("OLD", -1), ("NEW", 1)])};
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER reward_rollup AFTER INSERT OR UPDATE OR DELETE ON reward "
    "FOR EACH ROW EXECUTE FUNCTION reward_rollup()",
]

REWARD_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS reward_day_insert AFTER INSERT ON reward BEGIN
    {_change(oslo_day_sqlite, [("NEW", 1)])};
END""",
    f"""CREATE TRIGGER IF NOT EXISTS reward_day_update AFTER UPDATE ON reward BEGIN
    {_change(oslo_day_sqlite, [("OLD", -1), ("NEW", 1)])};
END""",
    f"""CREATE TRIGGER IF NOT EXISTS reward_day_delete AFTER DELETE ON reward BEGIN
    {_change(oslo_day_sqlite, [("OLD", -1)])};
END""",
]


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        oslo_day, triggers = oslo_day_postgres, [*LEDGER_POSTGRES, *REWARD_POSTGRES]
    else:
        oslo_day, triggers = oslo_day_sqlite, [*LEDGER_SQLITE, *REWARD_SQLITE]
    # The backfills find nothing in a new database; they are what rebuilds the rollups from scratch.
    statements = [*KEYS, *ledger_backfill(oslo_day), *reward_backfill(oslo_day), *triggers]
    for sql in statements:
        await engine.run_ddl(sql)


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        statements = [
            "DROP TRIGGER IF EXISTS ledger_entry_rollup ON ledger_entry",
            "DROP FUNCTION IF EXISTS ledger_entry_rollup()",
            "DROP TRIGGER IF EXISTS reward_rollup ON reward",
            "DROP FUNCTION IF EXISTS reward_rollup()",
        ]
    else:
        statements = ["DROP TRIGGER IF EXISTS ledger_entry_day", "DROP TRIGGER IF EXISTS ledger_entry_visit"]
        statements += [f"DROP TRIGGER IF EXISTS reward_day_{op}" for op in ("insert", "update", "delete")]
    for sql in statements:
        await engine.run_ddl(sql)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="dashboard", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
