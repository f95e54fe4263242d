"""`stampcard migrate` started five times at once: every run succeeds, each migration is applied once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from backend.db import applied_migrations, bind_engine, known_migrations, make_engine
from tests.conftest import TEST_VAPID_PRIVATE_KEY

ROOT = Path(__file__).resolve().parents[2]


async def _migrate(database_url: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STAMPCARD_ENV": "test",
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "VAPID_PRIVATE_KEY": TEST_VAPID_PRIVATE_KEY,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", "migrate", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_five_concurrent_migrate_runs_all_succeed_and_apply_each_migration_once(fresh_database_url: str) -> None:
    results = await asyncio.gather(*(_migrate(fresh_database_url) for _ in range(5)))
    for returncode, output in results:
        assert returncode == 0, output
    engine = make_engine(fresh_database_url)
    bind_engine(engine)
    rows = await engine._run_in_new_connection("SELECT name FROM migration")
    names = [r["name"] for r in rows]
    assert sorted(names) == sorted(known_migrations())  # each once: no run applied one twice
    assert await applied_migrations() == set(known_migrations())
