"""Test set-up: one database per run (SQLite by default, PostgreSQL with STAMPCARD_TEST_DB=postgres),
migrated once, emptied before each test."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from backend.clock import FrozenClock
from backend.db import all_tables, bind_engine, is_postgres, make_engine, migrate
from backend.push.vapid import new_private_key
from backend.settings import Settings

PG_ADMIN_URL = os.environ.get("STAMPCARD_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINE_NAME = os.environ.get("STAMPCARD_TEST_DB", "sqlite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if ENGINE_NAME == "postgres":
        name = f"stampcard_test_{secrets.token_hex(4)}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        yield f"{base}/{name}"
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path: Path = tmp_path_factory.mktemp("db") / "stampcard.sqlite3"
        yield f"sqlite:///{path}"


async def _pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> str:
    await migrate(make_engine(database_url))
    return database_url


@pytest.fixture
async def clean_db(migrated: str) -> AsyncIterator[str]:
    engine = make_engine(migrated)
    bind_engine(engine)
    # The configuration generation's one row stays: the migration writes it, as in production.
    tables = [t._meta.tablename for t in all_tables() if t._meta.tablename not in ("migration", "config_generation")]
    if is_postgres(engine):
        await engine.run_ddl(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        for table in tables:
            await engine.run_ddl(f"DELETE FROM {table}")
    yield migrated


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC))


TEST_VAPID_PRIVATE_KEY, _ = new_private_key()


@pytest.fixture
def settings(clean_db: str) -> Settings:
    # The push dispatcher does not run by itself in API tests: push tests drive it round by round.
    return Settings(
        environment="test",
        database_url=clean_db,
        secret_key="test-secret-" + "x" * 32,
        public_url="http://testserver.local",
        otp_sends_per_identifier_per_hour=50,
        otp_sends_per_ip_per_hour=500,
        manual_entries_per_device_per_hour=100,
        vapid_private_key=TEST_VAPID_PRIVATE_KEY,
        push_dispatcher="off",
    )
