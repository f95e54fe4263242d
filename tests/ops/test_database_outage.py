"""A database restart must not kill `stampcard worker`: it says once that the database is gone,
waits, and sends what the outbox holds once the database is back, each message once.

The worker reaches PostgreSQL through a TCP gate this test owns: closing it cuts every connection
and refuses new ones, as a server restart does, without touching the PostgreSQL other tests use."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from digital_stampcard import member_qr
from tests.api.helpers import Browser
from tests.conftest import PG_ADMIN_URL, _pg_admin
from tests.ops.conftest import ROOT, free_port, stampcard_env
from tests.push.fake_push_service import FakePushService, FakeSubscription
from tests.push.test_delivery import subscribed_member


class TcpGate:
    """Forwards 127.0.0.1:port to a target address until closed; open() listens on the same port again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._forward, "127.0.0.1", self.port, reuse_address=True)

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()  # the connection dies mid-stream, as on a server restart
        await self.server.wait_closed()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target_reader, target_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, target_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, target_writer), pipe(target_reader, writer))
        self.writers -= {writer, target_writer}


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A database of its own on the PostgreSQL server, whatever the engine under test: a database
    server that restarts is PostgreSQL's case (SQLite is a file in the process)."""
    name = f"stampcard_outage_{secrets.token_hex(4)}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def push() -> AsyncIterator[FakePushService]:
    async with FakePushService() as service:
        yield service


async def _started(env: dict[str, str], log_file: Path, *command: str) -> asyncio.subprocess.Process:
    with log_file.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend.cli", *command, cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def _stamped_member(browser: Callable[[], Browser], push: FakePushService, phone_number: str) -> FakeSubscription:
    """A member with push on, stamped once at a demo till: the welcome push goes into the outbox."""
    phone, subscription = await subscribed_member(browser, push, phone_number)
    till = browser()
    login = await till.post("/api/staff/login", {"username": "lokka", "password": "kaffe-lokka"})
    assert login.status_code == 200, login.text
    scan = (await till.scan(phone.qr(member_qr.time_step(datetime.now(UTC))))).json()["scan_id"]
    assert (await till.stamp(scan)).status_code == 200
    return subscription


async def _until_sent(database_url: str, count: int) -> None:
    """Until `count` pushes are recorded as sent (the demo's own past campaign aside)."""
    connection = await asyncpg.connect(database_url)
    try:
        for _ in range(600):
            if (
                await connection.fetchval(
                    "SELECT count(*) FROM push_delivery WHERE status = 'sent' AND delivery_key NOT LIKE '%:demo'"
                )
                == count
            ):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{count} pushes were not recorded as sent")
    finally:
        await connection.close()


async def _until(condition: Callable[[], bool], what: str, within: float = 60) -> None:
    for _ in range(int(within / 0.05)):  # a state, polled
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within:.0f} s: {what}")


async def test_the_worker_outlives_a_database_restart_and_sends_each_message_once(
    postgres_url: str, push: FakePushService, tmp_path: Path
) -> None:
    parts = urlsplit(postgres_url)
    gate = TcpGate(parts.hostname or "127.0.0.1", parts.port or 5432)
    await gate.open()
    gated_url = postgres_url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{gate.port}")
    port, serve_log, worker_log = free_port(), tmp_path / "serve.log", tmp_path / "worker.log"
    # The app (on the database directly) writes the outbox; the worker reads it through the gate.
    app_env = stampcard_env(postgres_url, STAMPCARD_PORT=str(port), PUSH_DISPATCHER="off")
    server = await _started(app_env, serve_log, "serve", "--demo")
    worker = None
    url = f"http://127.0.0.1:{port}"

    def browser() -> Browser:
        return Browser(httpx.AsyncClient(base_url=url))

    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(1200):
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get(f"{url}/ready")).status_code == 200:
                        break
                assert server.returncode is None, serve_log.read_text()
                await asyncio.sleep(0.05)
        worker = await _started(stampcard_env(gated_url), worker_log, "worker")
        await _until(lambda: "worker started" in worker_log.read_text(), "the worker started")

        before = [await _stamped_member(browser, push, f"4{i:02d}12345") for i in range(2)]
        await push.wait_for(2, timeout=30)
        await _until_sent(postgres_url, 2)  # recorded too: the outage starts between sends, not in one
        await gate.close()
        after = [await _stamped_member(browser, push, f"4{i:02d}54321") for i in range(2)]
        await _until(lambda: "database unreachable" in worker_log.read_text(), "the worker noticed the outage")
        await gate.open()
        try:
            await push.wait_for(4, timeout=60)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\nworker log:\n{worker_log.read_text()}") from None
        await _until(lambda: "database is back" in worker_log.read_text(), "the worker saw the database back")
        assert worker.returncode is None, worker_log.read_text()
        assert sorted(len(push.received_for(sub)) for sub in before + after) == [1, 1, 1, 1]
    finally:
        for process in (worker, server):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
    log = worker_log.read_text()
    assert worker.returncode == 0, log
    assert log.count("database unreachable") == 1, log  # one warning per outage, not one per round
    assert "Traceback" not in log, log
