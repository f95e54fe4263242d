"""The dashboard rollups' unique keys, the trigger that keeps them, and their backfill.

Every insert into ledger_entry adds itself to ledger_day (Oslo day, store, kind) and, for a stamp,
to visit_gap (Oslo day, lag 1 and 2, the Oslo day of the member's visit one and two visits
earlier). A trigger rather than code at each writer: stamping, staff actions, birthday bonuses,
voids and whatever comes next all write ledger rows, and none can forget the rollup. It runs in the
writer's transaction, so the rollups are never ahead of or behind the ledger.

Raw SQL per engine: PostgreSQL converts to Oslo time with AT TIME ZONE; SQLite has no time zones,
so `oslo_day_sqlite` applies the EU summer-time rule (UTC+2 from 01:00 UTC on the last Sunday of
March to 01:00 UTC on the last Sunday of October, UTC+1 otherwise). Piccolo stores SQLite
timestamps as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]+00:00", which sorts as time does.

Rows are assumed to arrive in time order per member (they are written with the clock's now); the
backfill uses window functions and is exact for any order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T09:02:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "Dashboard rollups: keys, the ledger trigger that keeps them, backfill; ledger index by member"

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


KEYS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS ledger_day_key ON ledger_day (day, store_key, kind)",
    "CREATE UNIQUE INDEX IF NOT EXISTS visit_gap_key ON visit_gap (lag, day, since)",
    # The previous dashboard index (kind, created_at, member, stamps) is replaced by the rollups.
    "DROP INDEX IF EXISTS ledger_entry_kind_created_at_member",
    # The trigger's "visit before" look-up and the "vi savner deg" return visits: per member.
    "CREATE INDEX IF NOT EXISTS ledger_entry_member_kind_created_at ON ledger_entry (member, kind, created_at, id)",
]


def backfill(oslo_day) -> list[str]:  # noqa: ANN001
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


def _before(oslo_day, lag: int) -> str:  # noqa: ANN001
    """The Oslo day of NEW's member's stamp `lag` stamps before NEW, or NO_VISIT."""
    return (
        f"COALESCE((SELECT {oslo_day('p.created_at')} FROM ledger_entry p WHERE p.member = NEW.member "
        "AND p.kind = 'stamp' AND (p.created_at, p.id) < (NEW.created_at, NEW.id) "
        f"ORDER BY p.created_at DESC, p.id DESC LIMIT 1 OFFSET {lag - 1}), '{NO_VISIT}')"
    )


POSTGRES_TRIGGER = [
    f"""CREATE OR REPLACE FUNCTION ledger_entry_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    today date := {oslo_day_postgres("NEW.created_at")};
BEGIN
    INSERT INTO ledger_day AS r (day, store_key, kind, entries, stamps)
    VALUES (today, COALESCE(NEW.store, 0), NEW.kind, 1, NEW.stamps)
    ON CONFLICT (day, store_key, kind) DO UPDATE SET entries = r.entries + 1, stamps = r.stamps + EXCLUDED.stamps;
    IF NEW.kind = 'stamp' THEN
        INSERT INTO visit_gap AS g (day, lag, since, visits)
        VALUES (today, 1, {_before(oslo_day_postgres, 1)}, 1), (today, 2, {_before(oslo_day_postgres, 2)}, 1)
        ON CONFLICT (lag, day, since) DO UPDATE SET visits = g.visits + 1;
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER ledger_entry_rollup AFTER INSERT ON ledger_entry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entry_rollup()",
]

SQLITE_TRIGGER = [
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_day AFTER INSERT ON ledger_entry BEGIN
    INSERT INTO ledger_day (day, store_key, kind, entries, stamps)
    VALUES ({oslo_day_sqlite("NEW.created_at")}, COALESCE(NEW.store, 0), NEW.kind, 1, NEW.stamps)
    ON CONFLICT (day, store_key, kind) DO UPDATE SET entries = entries + 1, stamps = stamps + excluded.stamps;
END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_visit AFTER INSERT ON ledger_entry WHEN NEW.kind = 'stamp' BEGIN
    INSERT INTO visit_gap (day, lag, since, visits)
    SELECT * FROM (SELECT {oslo_day_sqlite("NEW.created_at")}, 1, {_before(oslo_day_sqlite, 1)}, 1
    UNION ALL SELECT {oslo_day_sqlite("NEW.created_at")}, 2, {_before(oslo_day_sqlite, 2)}, 1) WHERE true
    ON CONFLICT (lag, day, since) DO UPDATE SET visits = visits + 1;
END""",
]


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    postgres = engine.engine_type == "postgres"
    oslo_day = oslo_day_postgres if postgres else oslo_day_sqlite
    for sql in [*KEYS, *backfill(oslo_day), *(POSTGRES_TRIGGER if postgres else SQLITE_TRIGGER)]:
        await engine.run_ddl(sql)


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        statements = [
            "DROP TRIGGER IF EXISTS ledger_entry_rollup ON ledger_entry",
            "DROP FUNCTION IF EXISTS ledger_entry_rollup()",
        ]
    else:
        statements = ["DROP TRIGGER IF EXISTS ledger_entry_day", "DROP TRIGGER IF EXISTS ledger_entry_visit"]
    statements += [
        "DROP INDEX IF EXISTS ledger_entry_member_kind_created_at",
        "DELETE FROM ledger_day",
        "DELETE FROM visit_gap",
    ]
    for sql in statements:
        await engine.run_ddl(sql)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cards", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
