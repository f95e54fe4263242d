"""Consent texts: one version number per purpose.

Composite indexes are raw SQL, the same on SQLite and PostgreSQL (Piccolo tables declare
single-column indexes only); their own migration, after the initial one, because a migration's raw
steps run before the tables it adds exist."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T03:31:43:900000"
VERSION = "1.38.0"
DESCRIPTION = "Consent texts: unique (purpose, version)"

INDEXES = {
    "consent_text_purpose_version": "CREATE UNIQUE INDEX IF NOT EXISTS consent_text_purpose_version ON consent_text (purpose, version)",
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
    manager = MigrationManager(migration_id=ID, app_name="club", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
