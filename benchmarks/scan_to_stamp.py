"""Scan-to-stamp over real HTTP on PostgreSQL, beside a raw-SQL baseline of the same stamp transaction.

    .venv/bin/python benchmarks/scan_to_stamp.py [--requests 400] [--concurrency 8] [--members N]
                                                 [--processes 1,2]

What it does, in one run:
  1. creates a database `stampcard_bench_<hex>` on the PostgreSQL server at --pg-admin-url;
  2. starts `stampcard serve --demo` on it as a subprocess on a free port and waits for /health;
  3. logs staff tills in (demo logins `lokka` and `majorstuen`, one cookie jar per session) and joins
     members over the API (OTP start, code from the dev outbox, verify with a P-256 device key);
  4. times scan-to-stamp pairs over HTTP: POST /api/staff/scans with a freshly signed member QR,
     then POST /api/staff/stamps with an Idempotency-Key, one fresh member per pair (the daily cap
     and the 60 s duplicate-scan window would otherwise turn later stamps into no-ops);
  5. times the same stamp transaction in raw SQL through asyncpg on the same database, at the same
     concurrency, on members of its own (BEGIN; member row FOR UPDATE; open card; card update or
     insert; ledger row; COMMIT);
  6. prints throughput and p50/p99 latency for both, the ratio, and CPU time per operation for the
     server processes, PostgreSQL and this client;
  7. with --processes 1,2: all of the above once per count of server processes (STAMPCARD_WORKERS),
     each on a database of its own, then the throughput of each count against the first.

The server, the client and PostgreSQL share the machine's cores: read the figures as a ratio
measured under the same conditions, not as a capacity figure for production hardware.
Joining members and logging in are set-up, not timed. The server and the database are removed
even when the run fails or is interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root, for backend, digital_stampcard, benchmarks
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from benchmarks.common import (  # noqa: E402
    add_pg_admin_argument,
    postgres_cpu_seconds,
    run_script,
    scratch_database,
    tree_cpu_seconds,
)
from digital_stampcard import member_qr  # noqa: E402

# Demo staff logins. The server allows 20 staff logins per IP and 10 per username in 10 minutes.
STAFF_LOGINS = [("lokka", "kaffe-lokka"), ("majorstuen", "kaffe-majorstuen")]
MAX_SESSIONS = 20
# The server allows 120 QR scans per till session per minute; stay well below in any window.
SCANS_PER_SESSION = 100


# ---------------------------------------------------------------- measurement helpers


@dataclass
class Timings:
    total: list[float] = field(default_factory=list)  # seconds per operation
    first: list[float] = field(default_factory=list)  # scan half (HTTP only)
    second: list[float] = field(default_factory=list)  # stamp half (HTTP only)
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds of CPU per process group


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class CpuMeter:
    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def read(self) -> dict[str, float]:
        values = {"client": time.process_time(), "postgres": postgres_cpu_seconds()}
        if self.server_pid is not None:
            values["server"] = tree_cpu_seconds(self.server_pid)
        return values

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {k: after[k] - before[k] for k in before}


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


# ---------------------------------------------------------------- database and server


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


class Server:
    """`stampcard serve --demo` as a subprocess, its output in a temporary log file."""

    def __init__(self, database_url: str, port: int, members: int, processes: int = 1) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="stampcard-bench-", suffix=".log", delete=False)  # noqa: SIM115
        budget = str(max(10_000, members * 4))  # joining is set-up: lift the OTP send limits
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "STAMPCARD_HOST": "127.0.0.1",
            "STAMPCARD_PORT": str(port),
            "PUBLIC_URL": f"http://localhost:{port}",
            "STAMPCARD_ENV": "development",
            "STAMPCARD_WORKERS": str(processes),
            "REDIS_URL": "",  # embedded mode: in-process rate limits
            "OTP_SENDS_PER_IP_PER_HOUR": budget,
            "OTP_SENDS_PER_IDENTIFIER_PER_HOUR": "50",
            "OTP_DAILY_BUDGET": budget,
            "MANUAL_ENTRIES_PER_DEVICE_PER_HOUR": budget,
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

    async def wait_healthy(self, within: float = 90) -> None:
        assert self.process is not None
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with code {self.process.returncode}\n{self.tail()}")
                try:
                    if (await client.get("/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the server did not answer /health within {within:.0f} s\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            text = Path(self.log.name).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


# ---------------------------------------------------------------- the API, as a till and a phone would use it


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

    def qr(self) -> str:
        return member_qr.sign_token(self.key, self.device_id, member_qr.time_step(datetime.now(UTC)))


async def staff_sessions(base_url: str, count: int) -> list[Session]:
    sessions = []
    for i in range(count):
        username, password = STAFF_LOGINS[i % len(STAFF_LOGINS)]
        session = Session(base_url)
        sessions.append(session)
        await session.open()
        expect(await session.post("/api/staff/login", {"username": username, "password": password}), 200, "staff login")
    return sessions


async def join_members(base_url: str, count: int, concurrency: int, tag: str) -> list[Phone]:
    phones: list[Phone | None] = [None] * count
    browsers = [Session(base_url) for _ in range(min(concurrency, count))]
    try:
        for browser in browsers:
            await browser.open()

        async def join(i: int) -> None:
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
            phones[i] = Phone(key, verified["device_id"])

        await run_concurrently(count, len(browsers), join)
    finally:
        for browser in browsers:
            await browser.close()
    return [p for p in phones if p is not None]


async def http_pairs(sessions: list[Session], phones: list[Phone], concurrency: int, meter: CpuMeter) -> Timings:
    timings = Timings()

    async def pair(i: int) -> None:
        till = sessions[i % len(sessions)]
        started = time.perf_counter()
        scan = expect(await till.post("/api/staff/scans", {"code": phones[i].qr()}), 201, "scan")
        scanned = time.perf_counter()
        stamp = expect(
            await till.post(
                "/api/staff/stamps",
                {"scan_id": scan["scan_id"], "count": 1},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            ),
            200,
            "stamp",
        )
        done = time.perf_counter()
        if stamp["added"] != 1:
            raise ApiError(f"stamp added {stamp['added']} stamps, expected 1: {json.dumps(stamp)[:300]}")
        timings.total.append(done - started)
        timings.first.append(scanned - started)
        timings.second.append(done - scanned)

    before = meter.read()
    timings.wall = await run_concurrently(len(phones), concurrency, pair)
    timings.cpu = CpuMeter.delta(before, meter.read())
    return timings


# ---------------------------------------------------------------- the raw SQL baseline

SEED_MEMBERS = """
INSERT INTO member (member_number, phone, email, first_name, interests, lang, tier_code, tier_review_at, joined_at)
SELECT 'S' || lpad(n::text, 8, '0'), NULL, 'sql-' || $1::text || '-' || n || '@example.com', NULL, '[]',
       'nb', 'bronse', now() + interval '365 days', now()
FROM generate_series(1, $2::int) AS n
RETURNING id
"""
LOCK_MEMBER = "SELECT id FROM member WHERE id = $1 FOR UPDATE"
OPEN_CARD = "SELECT id, stamps, capacity FROM card WHERE open_key = $1"
UPDATE_CARD = """
UPDATE card SET stamps = stamps + 1,
    status = CASE WHEN stamps + 1 >= capacity THEN 'completed' ELSE status END,
    open_key = CASE WHEN stamps + 1 >= capacity THEN NULL ELSE open_key END,
    completed_at = CASE WHEN stamps + 1 >= capacity THEN $2 ELSE completed_at END
WHERE id = $1
"""
INSERT_CARD = """
INSERT INTO card (member, program, seq, stamps, capacity, reward_text, reward_valid_days, status, open_key,
                  opened_at, completed_at)
VALUES ($1, $2, 1, 1, $3, $4, $5, 'open', $6, $7, NULL)
RETURNING id
"""
INSERT_LEDGER = """
INSERT INTO ledger_entry (member, program, kind, stamps, counts_for_cap, reward, reason, details, store, staff,
                          actor_role, device, ip, idempotency_key, scan, reverses, redemption_of, created_at)
VALUES ($1, $2, 'stamp', 1, true, NULL, 'visit', $3, $4, $5, 'staff', 'stampcard-bench', '127.0.0.1', $6,
        NULL, NULL, NULL, $7)
RETURNING id
"""


@dataclass
class Program:
    id: int
    capacity: int
    reward_text: str
    reward_valid_days: int


async def sql_setup(database_url: str, count: int, tag: str) -> tuple[list[int], Program, int, int]:
    connection = await asyncpg.connect(database_url)
    try:
        member_ids = [row["id"] for row in await connection.fetch(SEED_MEMBERS, tag, count)]
        row = await connection.fetchrow(
            "SELECT id, capacity, reward_text, reward_valid_days FROM program WHERE active ORDER BY id LIMIT 1"
        )
        staff = await connection.fetchrow("SELECT id, store FROM staff_account WHERE username = 'lokka'")
    finally:
        await connection.close()
    assert row is not None and staff is not None, "the demo club is missing"
    program = Program(row["id"], row["capacity"], row["reward_text"], row["reward_valid_days"])
    return member_ids, program, staff["id"], staff["store"]


async def sql_stamps(
    database_url: str,
    member_ids: list[int],
    program: Program,
    staff_id: int,
    store_id: int,
    concurrency: int,
    meter: CpuMeter,
) -> Timings:
    timings = Timings()
    async with asyncpg.create_pool(database_url, min_size=concurrency, max_size=concurrency) as pool:

        async def stamp(i: int) -> None:
            member_id = member_ids[i]
            open_key = f"{member_id}:{program.id}"
            started = time.perf_counter()
            async with pool.acquire() as connection, connection.transaction():
                now = datetime.now(UTC)
                await connection.fetchval(LOCK_MEMBER, member_id)
                card = await connection.fetchrow(OPEN_CARD, open_key)
                if card is None:
                    card_id = await connection.fetchval(
                        INSERT_CARD,
                        member_id,
                        program.id,
                        program.capacity,
                        program.reward_text,
                        program.reward_valid_days,
                        open_key,
                        now,
                    )
                    opened = True
                else:
                    card_id = card["id"]
                    await connection.execute(UPDATE_CARD, card_id, now)
                    opened = False
                details = json.dumps({"fills": [{"card_id": card_id, "added": 1, "opened": opened}]})
                await connection.fetchval(
                    INSERT_LEDGER, member_id, program.id, details, store_id, staff_id, str(uuid.uuid4()), now
                )
            timings.total.append(time.perf_counter() - started)

        before = meter.read()
        timings.wall = await run_concurrently(len(member_ids), concurrency, stamp)
        timings.cpu = CpuMeter.delta(before, meter.read())
    return timings


# ---------------------------------------------------------------- the run


def report(args: argparse.Namespace, http: Timings, sql: Timings, sessions: int, processes: int) -> None:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:8.1f}"

    def cpu(t: Timings, name: str) -> str:
        return f"{t.cpu[name] * 1000 / len(t.total):7.2f}" if name in t.cpu else "      -"

    http_tput = len(http.total) / http.wall
    sql_tput = len(sql.total) / sql.wall
    print()
    print(
        f"scan-to-stamp on PostgreSQL, {processes} server process{'es' if processes > 1 else ''}: "
        f"{args.requests} operations per path, concurrency {args.concurrency}, "
        f"{sessions} till sessions, {args.warmup} warm-up operations per path (not counted), {os.cpu_count()} CPUs"
    )
    print()
    header = (
        f"{'path':<32} {'requests':>8} {'conc':>5} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'server':>7} {'pg':>7} {'client':>7}"
    )
    print(header)
    print(f"{'':<32} {'':>8} {'':>5} {'':>8} {'':>8} {'':>8} {'CPU ms per operation':>23}")
    print("-" * len(header))
    rows = [
        ("HTTP scan + stamp (pair)", http.total, f"{http_tput:8.1f}", http),
        ("  of which POST /scans", http.first, f"{'':>8}", None),
        ("  of which POST /stamps", http.second, f"{'':>8}", None),
        ("raw SQL stamp transaction", sql.total, f"{sql_tput:8.1f}", sql),
    ]
    for name, values, tput, t in rows:
        cpus = f" {cpu(t, 'server')} {cpu(t, 'postgres')} {cpu(t, 'client')}" if t else ""
        print(
            f"{name:<32} {len(values):>8} {args.concurrency:>5} {tput} {ms(statistics.median(values))}"
            f" {ms(percentile(values, 99))}{cpus}"
        )
    print("-" * len(header))
    print(
        f"ratio HTTP pair / raw SQL:   throughput {sql_tput / http_tput:6.1f}x lower, "
        f"p50 {statistics.median(http.total) / statistics.median(sql.total):6.1f}x, "
        f"p99 {percentile(http.total, 99) / percentile(sql.total, 99):6.1f}x"
    )
    print(
        f"ratio HTTP stamp / raw SQL:  p50 {statistics.median(http.second) / statistics.median(sql.total):6.1f}x, "
        f"p99 {percentile(http.second, 99) / percentile(sql.total, 99):6.1f}x"
    )
    print()
    print(
        "The server, PostgreSQL and this client share the machine's CPUs; 'pg' counts every postgres process on "
        "the machine. Raw SQL does only the stamp transaction (member lock, open card, card insert/update, ledger "
        "row); the HTTP pair also verifies the QR, records the scan, checks the session, the daily cap, the tier "
        "and the Idempotency-Key, and renders the member summary twice."
    )


def till_sessions_needed(args: argparse.Namespace) -> int:
    concurrency: int = args.concurrency
    operations: int = args.requests + args.warmup
    return max(concurrency, math.ceil(operations / SCANS_PER_SESSION))


async def bench(args: argparse.Namespace, database_url: str, server: Server, processes: int) -> tuple[Timings, Timings]:
    total = args.requests + args.warmup
    sessions_needed = till_sessions_needed(args)
    tag = secrets.token_hex(3)
    print(f"starting `stampcard serve --demo` with STAMPCARD_WORKERS={processes} on {server.base_url} ...", flush=True)
    server.start()
    await server.wait_healthy()
    assert server.process is not None
    meter = CpuMeter(server.process.pid)

    started = time.perf_counter()
    tills = await staff_sessions(server.base_url, sessions_needed)
    try:
        print(f"joining {args.members} members over the API (set-up, not timed) ...", flush=True)
        phones = await join_members(server.base_url, args.members, args.concurrency, tag)
        member_ids, program, staff_id, store_id = await sql_setup(database_url, args.members, tag)
        print(f"set-up took {time.perf_counter() - started:.1f} s; warming up ...", flush=True)

        await http_pairs(tills, phones[: args.warmup], args.concurrency, meter)
        await sql_stamps(database_url, member_ids[: args.warmup], program, staff_id, store_id, args.concurrency, meter)

        print(f"timing {args.requests} HTTP scan-to-stamp pairs ...", flush=True)
        http = await http_pairs(tills, phones[args.warmup : total], args.concurrency, meter)
        print(f"timing {args.requests} raw SQL stamp transactions ...", flush=True)
        sql = await sql_stamps(
            database_url, member_ids[args.warmup : total], program, staff_id, store_id, args.concurrency, meter
        )
    finally:
        for till in tills:
            await till.close()
    report(args, http, sql, len(tills), processes)
    return http, sql


async def run_all(args: argparse.Namespace) -> int:
    """Once per count of server processes: creates a database, runs the benchmark, and always stops
    the server and drops the database. Then each count's throughput against the first count's."""
    results: list[tuple[int, Timings, Timings]] = []
    for processes in args.processes:
        try:
            async with scratch_database(args.pg_admin_url) as database_url:
                server = Server(database_url, free_port(), args.members, processes)
                try:
                    http, sql = await bench(args, database_url, server, processes)
                    results.append((processes, http, sql))
                    if args.keep_log:
                        print(server.tail(10_000))
                except (ApiError, RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError) as exc:
                    print(f"\nbenchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                    if server.tail():
                        print(f"server log (tail):\n{server.tail()}", file=sys.stderr)
                    return 1
                finally:
                    server.stop()
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"\nbenchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    if len(results) > 1:
        compare_processes(results)
    return 0


def compare_processes(results: list[tuple[int, Timings, Timings]]) -> None:
    first, first_http, first_sql = results[0]
    base = len(first_http.total) / first_http.wall
    print(f"\nserver processes against {first} (each run's raw SQL shows how loaded the machine was):")
    for processes, http, sql in results:
        pairs = len(http.total) / http.wall
        print(
            f"  {processes} process{'es' if processes > 1 else '  '}: {pairs:7.1f} pairs/s ({pairs / base:4.2f}x), "
            f"p50 {statistics.median(http.total) * 1000:6.1f} ms, p99 {percentile(http.total, 99) * 1000:7.1f} ms, "
            f"raw SQL {len(sql.total) / sql.wall:7.1f}/s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400, help="timed operations per path (default 400)")
    parser.add_argument("--concurrency", type=int, default=8, help="operations in flight (default 8)")
    parser.add_argument(
        "--members",
        type=int,
        default=None,
        help="members prepared per path; each operation uses a fresh one (default and minimum: --requests + --warmup)",
    )
    parser.add_argument("--warmup", type=int, default=40, help="untimed operations per path first (default 40)")
    add_pg_admin_argument(parser)
    parser.add_argument("--keep-log", action="store_true", help="print the server log at the end")
    parser.add_argument(
        "--processes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1],
        help="server processes (STAMPCARD_WORKERS), one run per count, e.g. 1,2 (default 1)",
    )
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.processes):
        parser.error("--processes must be counts of at least 1, e.g. 1,2")
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--requests and --concurrency must be at least 1, --warmup at least 0")
    minimum = args.requests + args.warmup
    args.members = args.members or minimum
    if args.members < minimum:
        parser.error(
            f"--members must be at least --requests + --warmup ({minimum}): each operation needs a fresh member"
        )
    if till_sessions_needed(args) > MAX_SESSIONS:
        parser.error(
            f"{till_sessions_needed(args)} till sessions would be needed: the server allows 120 QR scans per till "
            f"session per minute and {MAX_SESSIONS} staff logins per IP in 10 minutes. "
            f"Use --concurrency <= {MAX_SESSIONS} and --requests + --warmup <= {MAX_SESSIONS * SCANS_PER_SESSION}."
        )

    return run_script(run_all(args))


if __name__ == "__main__":
    sys.exit(main())
