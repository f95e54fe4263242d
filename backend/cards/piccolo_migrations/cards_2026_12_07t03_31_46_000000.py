"""The ledger per member (the rollup trigger's look-up of the visit before, and the return visits
after a we-miss-you push), and rewards by day and status (today's rewards that ran out, and any
look-up by day and status, from the index alone).

Composite indexes are raw SQL, the same on SQLite and PostgreSQL (Piccolo tables declare
single-column indexes only); their own migration, after the initial one, because a migration's raw
steps run before the tables it adds exist."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T03:31:46:000000"
VERSION = "1.38.0"
DESCRIPTION = "Cards: ledger by member, rewards by day and status"

INDEXES = {
    "ledger_entry_member_kind_created_at": "CREATE INDEX IF NOT EXISTS ledger_entry_member_kind_created_at ON ledger_entry (member, kind, created_at, id)",
    "reward_redeemed_at_status": "CREATE INDEX IF NOT EXISTS reward_redeemed_at_status ON reward (redeemed_at, status)",
    "reward_expires_at_status": "CREATE INDEX IF NOT EXISTS reward_expires_at_status ON reward (expires_at, status)",
}


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    for sql in INDEXES.values():
        await engine.run_ddl(sql)


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    for name in INDEXES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cards", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
