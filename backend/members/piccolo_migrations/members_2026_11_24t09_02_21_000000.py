"""The dashboard's push-offer consent figure: each member's latest marketing_push event, found from
one index (purpose, member, id, granted) on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T09:02:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "Dashboard index: latest consent per member and purpose"


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        "CREATE INDEX IF NOT EXISTS consent_event_purpose_member_id ON consent_event (purpose, member, id, granted)"
    )


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("DROP INDEX IF EXISTS consent_event_purpose_member_id")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="members", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
