"""Members who joined from a store's poster before signup_source existed are "poster" sign-ups.

Its own migration, because a migration's raw steps run before its added columns exist."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T10:34:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sign-up source: backfill poster sign-ups"


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("UPDATE member SET signup_source = 'poster' WHERE source_store IS NOT NULL")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="members", description=DESCRIPTION)
    manager.add_raw(_forwards)
    return manager
