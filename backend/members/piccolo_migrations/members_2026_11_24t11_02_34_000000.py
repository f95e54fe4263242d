"""A referral link names one member: a unique index on member.referral_code.

An index, not a UNIQUE column, because SQLite cannot add a UNIQUE column to an existing table; and
its own migration, because a migration's raw steps run before its added columns exist.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T11:02:34:000000"
VERSION = "1.38.0"
DESCRIPTION = "Referrals: unique member.referral_code"


async def _forwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS member_referral_code ON member (referral_code)")


async def _backwards() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("DROP INDEX IF EXISTS member_referral_code")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="members", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
