"""Operations tests: real processes and real services (a redis-server of the test's own, fresh
databases on the engine under test)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from tests.api.conftest import app, client, new_browser  # noqa: F401 (the real app, for the tests that drive it)
from tests.conftest import ENGINE_NAME, PG_ADMIN_URL, TEST_VAPID_PRIVATE_KEY, _pg_admin

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def fresh_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of its own, on the engine under test."""
    if ENGINE_NAME == "postgres":
        name = f"stampcard_ops_{secrets.token_hex(4)}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"


def stampcard_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `stampcard` process in these tests: test mode on the given database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "STAMPCARD_ENV": "test",
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "VAPID_PRIVATE_KEY": TEST_VAPID_PRIVATE_KEY,
        **extra,
    }


async def run_stampcard(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Runs `stampcard ARGS` to its end; its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, output.decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A redis-server process this test owns, so it can stop it and bring it back on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed (Debian: apt-get install redis-server)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(200):  # until it answers (it starts in a few milliseconds)
            try:
                probe.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None:
                    raise RuntimeError("redis-server exited at start") from None
                time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def keys(self, pattern: str) -> dict[str, int]:
        server = redis.Redis(port=self.port)
        return {k.decode(): int(server.get(k) or 0) for k in server.keys(pattern)}


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
