from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz

ID = "2026-11-24T08:46:56:845177"
VERSION = "1.38.0"
DESCRIPTION = "Dashboard indexes: reward days, and stamps per day / active members from the ledger"

# Piccolo tables declare single-column indexes only, so the composite one is raw SQL (the same on
# SQLite and PostgreSQL). Led by kind and time, it also carries member and stamps: the dashboard's
# ledger queries (stamps per day, active members, visits) are answered from the index alone.
LEDGER_INDEX = (
    "CREATE INDEX IF NOT EXISTS ledger_entry_kind_created_at_member "
    "ON ledger_entry (kind, created_at, member, stamps)"
)


async def _create_ledger_index() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(LEDGER_INDEX)


async def _drop_ledger_index() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("DROP INDEX IF EXISTS ledger_entry_kind_created_at_member")


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="cards", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Reward",
        tablename="reward",
        column_name="issued_at",
        db_column_name="issued_at",
        params={"index": True},
        old_params={"index": False},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Reward",
        tablename="reward",
        column_name="expires_at",
        db_column_name="expires_at",
        params={"index": True},
        old_params={"index": False},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Reward",
        tablename="reward",
        column_name="redeemed_at",
        db_column_name="redeemed_at",
        params={"index": True},
        old_params={"index": False},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    manager.add_raw(_create_ledger_index)
    manager.add_raw_backwards(_drop_ledger_index)

    return manager
