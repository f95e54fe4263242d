"""reward_day's unique key, the trigger that keeps it, its backfill; reward indexes by day and status.

reward_day counts rewards per Oslo day: "issued" (every reward, by issued_at), "redeemed" (status
redeemed, by redeemed_at) and "ends" (status active or expired, by expires_at). A trigger on insert,
update and delete of reward moves a reward between those counts when its status or times change,
in the writer's transaction. An update that changes no count (the sweep from active to expired)
writes nothing, so it takes no lock on the rollup. Oslo days as in the ledger rollup migration
(2026-11-24T09:02:20), whose day functions this one uses.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.cards.piccolo_migrations.cards_2026_11_24t09_02_20_000000 import oslo_day_postgres, oslo_day_sqlite

ID = "2026-11-24T09:23:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Dashboard rollup: reward_day key, trigger and backfill; reward indexes by day and status"

KEYS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS reward_day_key ON reward_day (measure, day)",
    # Today's rewards that ran out by now, and any look-up by day and status: from the index alone.
    "CREATE INDEX IF NOT EXISTS reward_redeemed_at_status ON reward (redeemed_at, status)",
    "CREATE INDEX IF NOT EXISTS reward_expires_at_status ON reward (expires_at, status)",
]

# (measure, the time that gives the day, which rewards count); {r} is "" or "NEW." / "OLD." in a trigger.
MEASURES = [
    ("issued", "issued_at", "true"),
    ("redeemed", "redeemed_at", "{r}status = 'redeemed' AND {r}redeemed_at IS NOT NULL"),
    ("ends", "expires_at", "{r}status IN ('active', 'expired')"),
]


def backfill(oslo_day) -> list[str]:
    """Fills reward_day from the reward table as it is (empty before)."""
    union = " UNION ALL ".join(
        f"SELECT '{measure}' AS measure, {oslo_day(column)} AS day FROM reward WHERE {condition.format(r='')}"
        for measure, column, condition in MEASURES
    )
    return [f"INSERT INTO reward_day (measure, day, n) SELECT measure, day, COUNT(*) FROM ({union}) k GROUP BY 1, 2"]


def _keys(oslo_day, row: str, delta: int) -> str:
    """The (measure, day, delta) rows one reward (NEW or OLD) gives reward_day."""
    return " UNION ALL ".join(
        f"SELECT '{measure}' AS measure, {oslo_day(f'{row}.{column}')} AS day, {delta} AS delta "
        f"WHERE {condition.format(r=row + '.')}"
        for measure, column, condition in MEASURES
    )


def _change(oslo_day, rows: list[tuple[str, int]]) -> str:
    """The old row's counts out, the new row's in; nothing is written where they cancel.
    (SQLite allows no table alias inside a trigger; there a bare `n` is the stored row's.)"""
    alias, current = (" AS x", "x.") if oslo_day is oslo_day_postgres else ("", "")
    union = " UNION ALL ".join(_keys(oslo_day, row, delta) for row, delta in rows)
    return (
        f"INSERT INTO reward_day{alias} (measure, day, n) SELECT measure, day, SUM(delta) FROM ({union}) c "
        "GROUP BY measure, day HAVING SUM(delta) <> 0 "
        f"ON CONFLICT (measure, day) DO UPDATE SET n = {current}n + excluded.n"
    )


POSTGRES_TRIGGER = [
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

SQLITE_TRIGGER = [
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
    postgres = engine.engine_type == "postgres"
    oslo_day = oslo_day_postgres if postgres else oslo_day_sqlite
    for sql in [*KEYS, *backfill(oslo_day), *(POSTGRES_TRIGGER if postgres else SQLITE_TRIGGER)]:
        await engine.run_ddl(sql)


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        statements = ["DROP TRIGGER IF EXISTS reward_rollup ON reward", "DROP FUNCTION IF EXISTS reward_rollup()"]
    else:
        statements = [f"DROP TRIGGER IF EXISTS reward_day_{op}" for op in ("insert", "update", "delete")]
    statements += [
        "DROP INDEX IF EXISTS reward_redeemed_at_status",
        "DROP INDEX IF EXISTS reward_expires_at_status",
        "DELETE FROM reward_day",
    ]
    for sql in statements:
        await engine.run_ddl(sql)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cards", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
