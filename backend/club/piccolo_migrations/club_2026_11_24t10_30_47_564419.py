from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-24T10:30:47:564419"
VERSION = "1.38.0"
DESCRIPTION = "Tier window"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="club", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Club",
        tablename="club",
        column_name="tier_window_days",
        db_column_name="tier_window_days",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 365,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
