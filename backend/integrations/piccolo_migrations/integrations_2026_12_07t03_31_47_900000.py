"""The configuration generation: triggers on program, tier_level, club, webhook_endpoint, consent_text and
points_program that bump
config_generation.n in the changing transaction, and its one row. Processes cache that
configuration while n stays the same (backend/core/config_cache.py), so an owner's change reaches
every till on its next request, in every process, and no writer can forget to say so.

In this app because it migrates after every table it watches (its dependencies name them); its own
migration, after the initial one: a migration's raw steps run before the tables it adds exist."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T03:31:47:900000"
VERSION = "1.38.0"
DESCRIPTION = "Configuration generation: one row and the triggers that bump it"

WATCHED = ("program", "tier_level", "club", "webhook_endpoint", "consent_text", "points_program")
OPERATIONS = ("insert", "update", "delete")
BUMP = "UPDATE config_generation SET n = n + 1"

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION bump_config_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END
$$""",
    *(
        f"CREATE TRIGGER {table}_config AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation()"
        for table in WATCHED
    ),
]
SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_config_{op} AFTER {op.upper()} ON {table} BEGIN {BUMP}; END"
    for table in WATCHED
    for op in OPERATIONS
]
FIRST_ROW = "INSERT INTO config_generation (n) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM config_generation)"


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    for sql in [FIRST_ROW, *(POSTGRES if engine.engine_type == "postgres" else SQLITE)]:
        await engine.run_ddl(sql)


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        statements = [f"DROP TRIGGER IF EXISTS {t}_config ON {t}" for t in WATCHED]
        statements.append("DROP FUNCTION IF EXISTS bump_config_generation()")
    else:
        statements = [f"DROP TRIGGER IF EXISTS {t}_config_{op}" for t in WATCHED for op in OPERATIONS]
    for sql in statements:
        await engine.run_ddl(sql)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
