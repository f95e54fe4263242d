"""`stampcard probe` is what the container health checks run, against a real `stampcard serve`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import TEST_VAPID_PRIVATE_KEY
from tests.ops.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


async def _stampcard(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def _probe(env: dict[str, str], path: str) -> int:
    process = await _stampcard(env, "probe", path)
    await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode


async def test_probe_answers_for_a_running_server_and_fails_when_none_runs(fresh_database_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database_url,
        "STAMPCARD_ENV": "test",
        "STAMPCARD_PORT": str(free_port()),
        "PUBLIC_URL": "http://stamps.test",
        "ALLOWED_HOSTS": "stamps.test",
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "VAPID_PRIVATE_KEY": TEST_VAPID_PRIVATE_KEY,
        "PUSH_DISPATCHER": "off",
    }
    assert await _probe(env, "/health") == 1  # nothing listens yet
    server = await _stampcard(env, "serve")
    try:
        assert server.stdout is not None
        while b"Uvicorn running" not in (line := await asyncio.wait_for(server.stdout.readline(), 60)):
            assert line, "the server exited before it listened"
        assert await _probe(env, "/health") == 0
        assert await _probe(env, "/ready") == 0  # serve migrated the new database first
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.communicate(), 30)
