"""`stampcard migrate` started five times at once: every run succeeds, each migration is applied once."""

from __future__ import annotations

import asyncio

from backend.db import applied_migrations, bind_engine, known_migrations, make_engine
from tests.ops.conftest import run_stampcard, stampcard_env


async def test_five_concurrent_migrate_runs_all_succeed_and_apply_each_migration_once(fresh_database_url: str) -> None:
    results = await asyncio.gather(*(run_stampcard(stampcard_env(fresh_database_url), "migrate") for _ in range(5)))
    for returncode, output in results:
        assert returncode == 0, output
    engine = make_engine(fresh_database_url)
    bind_engine(engine)
    rows = await engine._run_in_new_connection("SELECT name FROM migration")
    names = [r["name"] for r in rows]
    assert sorted(names) == sorted(known_migrations())  # each once: no run applied one twice
    assert await applied_migrations() == set(known_migrations())
