"""The schema: one initial migration per app (squashed before the first deployment), which build
exactly the tables the code declares, on the engine under test (SQLite or PostgreSQL), with the
composite indexes and the rollup triggers the raw migrations add."""

from __future__ import annotations

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder

from backend.db import all_tables, bind_engine, is_postgres, make_engine, migrate

COMPOSITE_INDEXES = {
    "consent_text_purpose_version",
    "consent_event_purpose_member_id",
    "ledger_entry_member_kind_created_at",
    "reward_redeemed_at_status",
    "reward_expires_at_status",
    "ledger_day_key",
    "visit_gap_key",
    "reward_day_key",
}
TRIGGERS = {
    "sqlite": {"ledger_entry_day", "ledger_entry_visit", "reward_day_insert", "reward_day_update", "reward_day_delete"},
    "postgres": {"ledger_entry_rollup", "reward_rollup"},
}


@pytest.mark.parametrize("app", [a.app_name for a in Finder().get_app_configs()])
async def test_the_migrations_describe_the_tables_exactly(app: str) -> None:
    """What `piccolo migrations new --auto` would write: nothing."""
    config = Finder().get_app_config(app)
    statements = await AutoMigrationManager().get_alter_statements(app_config=config)
    assert [s for group in statements for s in group.statements] == []


def test_every_app_has_one_initial_migration_and_at_most_one_raw_one() -> None:
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    manager = BaseMigrationManager()
    for config in Finder().get_app_configs():
        modules = manager.get_migration_modules(config.migrations_folder_path)
        assert 1 <= len(modules) <= 2, (config.app_name, sorted(modules))


async def test_the_migrated_database_has_every_column_index_and_trigger(migrated: str) -> None:
    engine = make_engine(migrated)
    bind_engine(engine)
    postgres = is_postgres(engine)
    for table in all_tables():
        name = table._meta.tablename
        if postgres:
            sql = "SELECT column_name AS name FROM information_schema.columns WHERE table_name = {}"
            rows = await table.raw(sql, name)
        else:
            rows = await table.raw(f"PRAGMA table_info({name})")
        assert {r["name"] for r in rows} == {c._meta.db_column_name for c in table._meta.columns}, name
    if postgres:
        indexes = {r["indexname"] for r in await engine._run_in_new_connection("SELECT indexname FROM pg_indexes")}
        triggers = {r["tgname"] for r in await engine._run_in_new_connection("SELECT tgname FROM pg_trigger")}
    else:
        rows = await engine._run_in_new_connection("SELECT type, name FROM sqlite_master")
        indexes = {r["name"] for r in rows if r["type"] == "index"}
        triggers = {r["name"] for r in rows if r["type"] == "trigger"}
    assert indexes >= COMPOSITE_INDEXES
    assert triggers >= TRIGGERS["postgres" if postgres else "sqlite"]


async def test_a_database_from_before_the_squash_is_refused_in_one_line(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    await migrate(engine)
    await engine._run_in_new_connection(
        "INSERT INTO migration (name, app_name, ran_on) VALUES ('2026-11-24T04:54:20:128388', 'cards', '2026-11-24')"
    )
    with pytest.raises(SystemExit, match="squashed"):
        await migrate(engine)
