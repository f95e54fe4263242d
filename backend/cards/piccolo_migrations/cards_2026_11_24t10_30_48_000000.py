"""A POS receipt stamps once: a unique index on ledger_entry.receipt_key ("store:receipt").

An index, not a UNIQUE column, because SQLite cannot add a UNIQUE column to an existing table; and
its own migration, because a migration's raw steps run before its added columns exist.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T10:30:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "POS receipts: unique ledger_entry.receipt_key"


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS ledger_entry_receipt_key ON ledger_entry (receipt_key)")


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("DROP INDEX IF EXISTS ledger_entry_receipt_key")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cards", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
