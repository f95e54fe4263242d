"""Each member's latest consent per purpose (the dashboard's push-offer consent figure), found from
one index on both engines.

Composite indexes are raw SQL, the same on SQLite and PostgreSQL (Piccolo tables declare
single-column indexes only); their own migration, after the initial one, because a migration's raw
steps run before the tables it adds exist."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T03:31:44:500000"
VERSION = "1.38.0"
DESCRIPTION = "Members: the latest consent per member and purpose, from one index"

INDEXES = {
    "consent_event_purpose_member_id": "CREATE INDEX IF NOT EXISTS consent_event_purpose_member_id ON consent_event (purpose, member, id, granted)",
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
    manager = MigrationManager(migration_id=ID, app_name="members", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
