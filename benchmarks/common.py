"""What the benchmark scripts share: a scratch PostgreSQL database (or SQLite file) that is always
removed, CPU time read from /proc, running a script so that Ctrl-C and SIGTERM unwind (and clean up)
like an error, and for the HTTP benchmarks: `stampcard serve` as a subprocess, its statement counter,
till and phone sessions, and members joined over the API."""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from digital_stampcard import member_qr

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def add_pg_admin_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("STAMPCARD_BENCH_PG_ADMIN", DEFAULT_ADMIN_URL),
        help=f"a database to run CREATE/DROP DATABASE from (default {DEFAULT_ADMIN_URL})",
    )


async def admin_execute(admin_url: str, sql: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """Creates `stampcard_bench_<hex>` on the server of `admin_url` and yields its URL. The database is
    dropped on the way out, also when the run fails, is interrupted (Ctrl-C) or gets SIGTERM: SIGTERM
    cancels the running task, as asyncio.run does for Ctrl-C. Stop what uses the database inside the block."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    name = f"stampcard_bench_{secrets.token_hex(4)}"
    created = False
    try:
        await admin_execute(admin_url, f'CREATE DATABASE "{name}"')
        created = True
        print(f"created database {name}", flush=True)
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        loop.remove_signal_handler(signal.SIGTERM)  # a second SIGTERM stops us at once
        if created:
            await admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"dropped database {name}", flush=True)


def run_script(main: Coroutine[Any, Any, int]) -> int:
    """Runs the script's async main; Ctrl-C or SIGTERM exit with 130 after the clean-up has run."""
    try:
        return asyncio.run(main)
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted", file=sys.stderr)
        return 130


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its living children: `stampcard serve` with STAMPCARD_WORKERS > 1
    is a parent that only watches, and server processes that do the work."""
    total = proc_cpu_seconds(pid)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            total += proc_cpu_seconds(int(entry.name))
    return total


def postgres_cpu_seconds() -> float:
    """CPU used so far by every process named postgres on this machine (the server and its backends)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                total += proc_cpu_seconds(int(entry.name))
        except OSError:
            continue
    return total


# ---------------------------------------------------------------- what the HTTP benchmarks share


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (nan for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stampcard_command() -> list[str]:
    script = Path(sys.executable).parent / "stampcard"
    if script.exists():
        return [str(script)]
    found = shutil.which("stampcard")
    return [found] if found else [sys.executable, "-m", "backend.cli"]


ENGINES = ("postgres", "sqlite")
ENGINE_NAMES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


def engines_argument(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENGINES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"engines are {', '.join(ENGINES)}, comma-separated")
    return names


def counts_argument(text: str) -> list[int]:
    try:
        counts = [int(n) for n in text.split(",")]
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected counts separated by commas, e.g. 1,16,64") from exc
    if any(n < 1 for n in counts):
        raise argparse.ArgumentTypeError("counts must be at least 1")
    return counts


@asynccontextmanager
async def engine_database(engine: str, admin_url: str) -> AsyncIterator[str]:
    """A DATABASE_URL of a fresh database for `engine`: a scratch PostgreSQL database, or an SQLite
    file in a temporary directory. Both are removed on the way out, also on failure and Ctrl-C."""
    if engine == "postgres":
        async with scratch_database(admin_url) as url:
            yield url
        return
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)  # as scratch_database: SIGTERM unwinds like Ctrl-C
    directory = tempfile.mkdtemp(prefix="stampcard-bench-sqlite-")
    try:
        yield f"sqlite:///{directory}/bench.sqlite3"
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        shutil.rmtree(directory, ignore_errors=True)


def sqlite_path(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


class Server:
    """`stampcard serve --demo` as a subprocess, its output in a temporary log file. Development mode
    (/metrics without a token, the dev outbox), PUSH_DISPATCHER=off (in production the worker is a
    process of its own, and its polling would add statements), limits on set-up steps lifted."""

    def __init__(self, database_url: str, port: int, processes: int = 1, members: int = 10_000) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="stampcard-bench-", suffix=".log", delete=False)  # noqa: SIM115
        budget = str(max(10_000, members * 4))  # joining and logging in are set-up: lift their limits
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "STAMPCARD_HOST": "127.0.0.1",
            "STAMPCARD_PORT": str(port),
            "PUBLIC_URL": f"http://localhost:{port}",
            "STAMPCARD_ENV": "development",
            "STAMPCARD_WORKERS": str(processes),
            "PUSH_DISPATCHER": "off",
            "REDIS_URL": "",  # embedded mode: in-process rate limits
            "OTP_SENDS_PER_IP_PER_HOUR": budget,
            "OTP_SENDS_PER_IDENTIFIER_PER_HOUR": "50",
            "OTP_DAILY_BUDGET": budget,
            "MANUAL_ENTRIES_PER_DEVICE_PER_HOUR": budget,
            "STAFF_LOGINS_PER_IP_PER_10_MINUTES": budget,
            "STAFF_LOGINS_PER_USER_PER_10_MINUTES": budget,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*stampcard_command(), "serve", "--demo"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only us; we stop the server ourselves
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def wait_healthy(self, within: float = 90) -> None:
        await wait_healthy(self.process, self.base_url, self.tail, within)

    def text(self) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join("    " + line for line in self.text().splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


async def wait_healthy(
    process: subprocess.Popen[bytes] | None,
    base_url: str,
    tail: Callable[[], str],
    within: float,
    path: str = "/health",
) -> None:
    assert process is not None
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with code {process.returncode}\n{tail()}")
            try:
                if (await client.get(path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not answer {path} within {within:.0f} s\n{tail()}")


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to the process (it runs in a session of its own), then SIGKILL after 15 s."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class StatementCounter:
    """`stampcard_db_statements_total` from GET /metrics (every server process's sum). A scrape reads
    the outbox depths from the database, so it costs statements of its own: `scrape_cost` measures
    that with no load, and `statements(...)` subtracts it. None: the checkout has no such counter."""

    NAME = "stampcard_db_statements_total"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.scrape_cost = 0.0

    async def read(self) -> float | None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            response = await client.get("/metrics")
        if response.status_code != 200:
            return None
        for line in response.text.splitlines():
            if line.startswith(self.NAME + " ") or line.startswith(self.NAME + "{"):
                return float(line.rsplit(" ", 1)[1])
        return None

    async def calibrate(self, scrapes: int = 4) -> None:
        """The scrape's own statements: the smallest difference of back-to-back scrapes, idle server."""
        values = [await self.read() for _ in range(scrapes)]
        known = [v for v in values if v is not None]
        if len(known) == len(values):
            self.scrape_cost = min(b - a for a, b in zip(known, known[1:], strict=False))

    def per_operation(self, before: float | None, after: float | None, operations: int) -> float | None:
        """Statements per operation between two scrapes; None when not counted (no counter, or it did
        not move: the engine is not counted in this checkout)."""
        if before is None or after is None or operations == 0 or after - before <= self.scrape_cost:
            return None
        return (after - before - self.scrape_cost) / operations


def format_statements(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


class ApiError(RuntimeError):
    pass


def expect(response: httpx.Response, status: int, what: str) -> Any:
    if response.status_code != status:
        raise ApiError(f"{what}: expected {status}, got {response.status_code}: {response.text[:300]}")
    return response.json()


class Session:
    """One cookie jar (a phone or a till) with its CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=60, headers={"user-agent": "stampcard-bench"})
        self.csrf = ""

    async def open(self) -> None:
        await self.client.get("/api/config")
        self.csrf = self.client.cookies.get("csrftoken") or ""
        if not self.csrf:
            raise ApiError("GET /api/config did not set the csrftoken cookie")

    async def post(self, url: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post(url, json=body, headers={"x-csrftoken": self.csrf, **(headers or {})})

    async def close(self) -> None:
        await self.client.aclose()


@dataclass
class Phone:
    key: ec.EllipticCurvePrivateKey
    device_id: str
    session: Session | None = None  # the phone's logged-in cookie jar, when kept

    def qr(self) -> str:
        return member_qr.sign_token(self.key, self.device_id, member_qr.time_step(datetime.now(UTC)))


async def run_concurrently(count: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Runs one(i) for i in range(count) with at most `concurrency` in flight; returns the wall time."""
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < count:
            i = next_index
            next_index += 1
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return time.perf_counter() - started


async def join_members(
    base_url: str, count: int, concurrency: int, tag: str, *, keep_sessions: bool = False
) -> list[Phone]:
    """Joins `count` members over the API as a phone does: OTP start, the code from the dev outbox,
    verify with a P-256 device key. keep_sessions: each phone keeps its own logged-in cookie jar
    (the caller closes them); otherwise a few browsers are reused and closed here."""
    phones: list[Phone | None] = [None] * count
    browsers = [] if keep_sessions else [Session(base_url) for _ in range(min(concurrency, count))]
    try:
        for browser in browsers:
            await browser.open()

        async def join(i: int) -> None:
            if keep_sessions:
                browser = Session(base_url)
                await browser.open()
            else:
                browser = browsers[i % len(browsers)]
            identifier = f"bench-{tag}-{i}@example.com"
            key = ec.generate_private_key(ec.SECP256R1())
            raw = key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            body = {"identifier": identifier, "purpose": "join", "terms_accepted": True}
            expect(await browser.post("/api/auth/otp/start", body), 202, "otp start")
            outbox = expect(await browser.client.get("/api/dev/outbox", params={"to": identifier}), 200, "dev outbox")
            code = outbox[0]["code"]
            verified = expect(
                await browser.post(
                    "/api/auth/otp/verify",
                    {
                        "identifier": identifier,
                        "code": code,
                        "device_label": "bench phone",
                        "device_public_key": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                    },
                ),
                200,
                "otp verify",
            )
            phones[i] = Phone(key, verified["device_id"], browser if keep_sessions else None)

        await run_concurrently(count, max(1, min(concurrency, count)), join)
    except BaseException:
        for phone in phones:
            if phone is not None and phone.session is not None:
                await phone.session.close()
        raise
    finally:
        for browser in browsers:
            await browser.close()
    return [p for p in phones if p is not None]
