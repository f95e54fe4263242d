"""A PostgreSQL connection that dies inside a transaction (a database restart) must not leave the
dead transaction behind as the task's current one: the worker's loop is one long task, and every
later query of it would fail. (SQLite is a file in the process: it has no such connection.)"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine

from backend.db import is_unreachable, make_engine, write_transaction
from tests.conftest import PG_ADMIN_URL, _pg_admin


@pytest.fixture
async def engine() -> AsyncIterator[PostgresEngine]:
    name = f"stampcard_lost_{secrets.token_hex(4)}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    assert isinstance(engine, PostgresEngine)
    await engine.start_connection_pool(min_size=1, max_size=2)
    yield engine
    await engine.close_connection_pool()
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_a_transaction_whose_connection_died_is_forgotten_and_the_next_one_works(
    engine: PostgresEngine,
) -> None:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        with pytest.raises(Exception) as lost:
            async with write_transaction(engine):
                connection = engine.current_transaction.get().connection  # type: ignore[union-attr]
                await admin.execute(
                    "SELECT pg_terminate_backend($1)", await connection.fetchval("SELECT pg_backend_pid()")
                )
                await connection.execute("SELECT 1")
        assert is_unreachable(lost.value)
    finally:
        await admin.close()
    assert engine.current_transaction.get() is None
    async with write_transaction(engine):
        assert await engine.current_transaction.get().connection.fetchval("SELECT 1") == 1  # type: ignore[union-attr]
