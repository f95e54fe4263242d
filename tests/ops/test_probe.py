"""`stampcard probe` is what the container health checks run, against a real `stampcard serve`."""

from __future__ import annotations

import asyncio
import signal
import sys

from tests.ops.conftest import ROOT, free_port, run_stampcard, stampcard_env


async def _stampcard(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def _probe(env: dict[str, str], path: str) -> int:
    return (await run_stampcard(env, "probe", path))[0]


async def test_probe_answers_for_a_running_server_and_fails_when_none_runs(fresh_database_url: str) -> None:
    env = stampcard_env(
        fresh_database_url,
        STAMPCARD_PORT=str(free_port()),
        PUBLIC_URL="http://stamps.test",
        ALLOWED_HOSTS="stamps.test",
        PUSH_DISPATCHER="off",
    )
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
