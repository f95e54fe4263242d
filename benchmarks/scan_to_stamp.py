"""Scan-to-stamp over real HTTP, beside a raw-SQL baseline of the same stamp transaction, on both engines.

    .venv/bin/python benchmarks/scan_to_stamp.py [--engines postgres,sqlite] [--tills 1,16,64]
                                                 [--processes 1,2] [--requests 300] [--warmup 30]

What it does, once per engine and count of server processes (STAMPCARD_WORKERS):
  1. creates a database: `stampcard_bench_<hex>` on the PostgreSQL server at --pg-admin-url, or an
     SQLite file in a temporary directory;
  2. starts `stampcard serve --demo` on it as a subprocess on a free port and waits for /health
     (development mode: /metrics and the dev outbox answer; PUSH_DISPATCHER=off, because in
     production the push worker is a process of its own and its polling would add statements);
  3. joins the members for every till count over the API (OTP start, code from the dev outbox,
     verify with a P-256 device key), and seeds as many members in SQL for the baseline;
  4. then for each till count: logs fresh till sessions in (demo logins `lokka` and `majorstuen`, the
     two stores, one cookie jar per session; the staff login limits are lifted with
     STAFF_LOGINS_PER_IP_PER_10_MINUTES and STAFF_LOGINS_PER_USER_PER_10_MINUTES: logging in is
     set-up), warms up, and times scan-to-stamp pairs: POST /api/staff/scans with a freshly signed
     member QR, then POST /api/staff/stamps with an Idempotency-Key, one fresh member per pair (the
     daily cap and the duplicate-scan window would otherwise turn later stamps into no-ops);
  5. counts the SQL statements of the timed pairs with the server's own counter
     (`stampcard_db_statements_total` on GET /metrics, counted by the database driver, all server
     processes summed), less what the /metrics scrape itself costs (measured idle, just before);
  6. on PostgreSQL, samples pg_locks every 5 ms during the timed pairs: how many sessions of the
     benchmark database wait for a lock, and on which relation;
  7. counts "database is locked" errors: answers that are 5xx or mention "locked", and lines of the
     server log that say "locked";
  8. times the same stamp transaction in raw SQL on the same database at the same concurrency, on
     members of its own: asyncpg on PostgreSQL (BEGIN; member row FOR UPDATE; open card; card update
     or insert; ledger row; COMMIT), the stdlib sqlite3 in threads on SQLite (BEGIN IMMEDIATE; the
     same statements; COMMIT);
  9. prints each cell, then a markdown table of all cells.

The server, the client and PostgreSQL share the machine's cores: read the figures as ratios measured
under the same conditions, not as a capacity figure for production hardware. Joining members and
logging in are set-up, not timed. The servers, databases and files are removed even when the run
fails or is interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import sqlite3
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's client code first, also when PYTHONPATH names another checkout: that one is the server's.
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from benchmarks.common import (  # noqa: E402
    ENGINE_NAMES,
    ENGINES,
    ApiError,
    Phone,
    Server,
    Session,
    StatementCounter,
    add_pg_admin_argument,
    counts_argument,
    engine_database,
    engines_argument,
    expect,
    format_statements,
    free_port,
    join_members,
    percentile,
    postgres_cpu_seconds,
    run_concurrently,
    run_script,
    sqlite_path,
    tree_cpu_seconds,
)

STAFF_LOGINS = [("lokka", "kaffe-lokka"), ("majorstuen", "kaffe-majorstuen")]
# The server allows 120 QR scans per till session per minute; stay well below in any window.
SCANS_PER_SESSION = 100
LOCK_SAMPLE_SECONDS = 0.005
JOIN_CONCURRENCY = 8


# ---------------------------------------------------------------- measurement helpers


@dataclass
class Timings:
    total: list[float] = field(default_factory=list)  # seconds per operation
    first: list[float] = field(default_factory=list)  # scan half (HTTP only)
    second: list[float] = field(default_factory=list)  # stamp half (HTTP only)
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds of CPU per process group
    locked: int = 0  # answers that are 5xx or mention "locked" (HTTP), or sqlite3 "locked" errors (raw)
    errors: Counter[str] = field(default_factory=Counter)  # other failures, by what and status
    first_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.total) / self.wall if self.wall else 0.0


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


# ---------------------------------------------------------------- pg_locks

LOCK_WAITS = """
SELECT w.pid, w.locktype, COALESCE(wc.relname, tc.relname) AS relname, a.query
FROM pg_locks w
JOIN pg_stat_activity a ON a.pid = w.pid AND a.datname = current_database()
LEFT JOIN pg_class wc ON wc.oid = w.relation
LEFT JOIN LATERAL (
    SELECT c.relname FROM pg_locks t JOIN pg_class c ON c.oid = t.relation
    WHERE t.pid = w.pid AND t.locktype = 'tuple' AND t.granted LIMIT 1
) tc ON true
WHERE NOT w.granted AND w.pid <> pg_backend_pid()
"""
STATEMENT_TABLE = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|FROM)\s+\"?(\w+)", re.IGNORECASE)


@dataclass
class LockSample:
    samples: int = 0
    waiting_total: int = 0
    waiting_max: int = 0
    on: Counter[str] = field(default_factory=Counter)  # waiting session-samples by what they wait on

    @property
    def mean(self) -> float:
        return self.waiting_total / self.samples if self.samples else 0.0

    def top(self, count: int = 4) -> str:
        total = sum(self.on.values())
        if not total:
            return "none"
        return ", ".join(f"{name} {n / total:.0%}" for name, n in self.on.most_common(count))


class LockSampler:
    """Every ~5 ms on a connection of its own: the sessions of the benchmark database that wait for a
    lock, and what they wait on (the relation; for a row lock's transactionid wait, the relation of
    the tuple lock the waiter holds, else the locktype and the statement it runs: a wait "in INSERT
    INTO ledger_entry" is one in the rollup trigger that insert fires, on ledger_day or visit_gap)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.result = LockSample()
        self.connection: asyncpg.Connection | None = None
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LockSampler:
        self.connection = await asyncpg.connect(self.database_url)
        self.task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.connection is not None:
            await self.connection.close()

    async def _run(self) -> None:
        assert self.connection is not None
        while True:
            rows = await self.connection.fetch(LOCK_WAITS)
            waiting = {row["pid"] for row in rows}
            self.result.samples += 1
            self.result.waiting_total += len(waiting)
            self.result.waiting_max = max(self.result.waiting_max, len(waiting))
            seen: dict[int, str] = {}
            for row in rows:
                if row["relname"]:
                    label = row["relname"]
                else:
                    table = STATEMENT_TABLE.search(row["query"] or "")
                    statement = f"{' '.join(table.group(1).split()).upper()} {table.group(2)}" if table else "?"
                    label = f"{row['locktype']} in {statement}"
                if row["pid"] not in seen or row["relname"]:
                    seen[row["pid"]] = label
            self.result.on.update(seen.values())
            await asyncio.sleep(LOCK_SAMPLE_SECONDS)


# ---------------------------------------------------------------- the HTTP path


async def staff_sessions(base_url: str, count: int) -> list[Session]:
    sessions = [Session(base_url) for _ in range(count)]

    async def login(i: int) -> None:
        username, password = STAFF_LOGINS[i % len(STAFF_LOGINS)]
        await sessions[i].open()
        expect(await sessions[i].post("/api/staff/login", {"username": username, "password": password}), 200, "login")

    try:
        await run_concurrently(count, 4, login)
    except BaseException:
        await close_all(sessions)
        raise
    return sessions


async def close_all(sessions: list[Session]) -> None:
    for session in sessions:
        await session.close()


def failed(timings: Timings, response: httpx.Response | None, what: str, error: str = "") -> None:
    text = error if response is None else response.text
    if response is not None and (response.status_code >= 500 or "locked" in text.lower()):
        timings.locked += 1
    else:
        timings.errors[f"{what} {error or (response.status_code if response is not None else '?')}"] += 1
    if not timings.first_error:
        status = "" if response is None else f" {response.status_code}"
        timings.first_error = f"{what}{status}: {text[:200]}"


async def http_pairs(tills: list[Session], phones: list[Phone], concurrency: int, meter: CpuMeter) -> Timings:
    timings = Timings()

    async def pair(i: int) -> None:
        till = tills[i % len(tills)]
        started = time.perf_counter()
        try:
            scan = await till.post("/api/staff/scans", {"code": phones[i].qr()})
            if scan.status_code != 201:
                return failed(timings, scan, "scan")
            scanned = time.perf_counter()
            stamp = await till.post(
                "/api/staff/stamps",
                {"scan_id": scan.json()["scan_id"], "count": 1},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            if stamp.status_code != 200:
                return failed(timings, stamp, "stamp")
        except httpx.HTTPError as exc:
            return failed(timings, None, "request", type(exc).__name__)
        done = time.perf_counter()
        if stamp.json().get("added") != 1:
            return failed(timings, None, "stamp", f"added {json.dumps(stamp.json())[:100]}")
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
PROGRAM = "SELECT id, capacity, reward_text, reward_valid_days FROM program WHERE active ORDER BY id LIMIT 1"
STAFF = "SELECT id, store FROM staff_account WHERE username = 'lokka'"


def sqlite_statement(sql: str) -> str:
    """The PostgreSQL statement for sqlite3: ? placeholders, no row locks (BEGIN IMMEDIATE serialises)."""
    return re.sub(r"\$\d+", "?", sql).replace(" FOR UPDATE", "")


@dataclass
class Program:
    id: int
    capacity: int
    reward_text: str
    reward_valid_days: int


@dataclass
class Baseline:
    member_ids: list[int]
    program: Program
    staff_id: int
    store_id: int


async def sql_setup(engine: str, database_url: str, count: int, tag: str) -> Baseline:
    if engine == "sqlite":
        return await asyncio.to_thread(sqlite_setup, sqlite_path(database_url), count, tag)
    connection = await asyncpg.connect(database_url)
    try:
        member_ids = [row["id"] for row in await connection.fetch(SEED_MEMBERS, tag, count)]
        row = await connection.fetchrow(PROGRAM)
        staff = await connection.fetchrow(STAFF)
    finally:
        await connection.close()
    assert row is not None and staff is not None, "the demo club is missing"
    program = Program(row["id"], row["capacity"], row["reward_text"], row["reward_valid_days"])
    return Baseline(member_ids, program, staff["id"], staff["store"])


def sqlite_setup(path: str, count: int, tag: str) -> Baseline:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        now = datetime.now(UTC)
        review = now.replace(year=now.year + 1)
        connection.execute("BEGIN IMMEDIATE")
        first = connection.execute("SELECT COALESCE(MAX(id), 0) FROM member").fetchone()[0]
        connection.executemany(
            "INSERT INTO member (member_number, email, interests, lang, tier_code, tier_review_at, joined_at) "
            "VALUES (?, ?, '[]', 'nb', 'bronse', ?, ?)",
            [(f"S{n:08d}", f"sql-{tag}-{n}@example.com", str(review), str(now)) for n in range(1, count + 1)],
        )
        member_ids = [row[0] for row in connection.execute("SELECT id FROM member WHERE id > ? ORDER BY id", (first,))]
        connection.execute("COMMIT")
        row = connection.execute(PROGRAM).fetchone()
        staff = connection.execute(STAFF).fetchone()
    finally:
        connection.close()
    assert row is not None and staff is not None, "the demo club is missing"
    return Baseline(member_ids, Program(*row), staff[0], staff[1])


async def sql_stamps(engine: str, database_url: str, base: Baseline, ids: list[int], concurrency: int) -> Timings:
    if engine == "sqlite":
        stop = threading.Event()
        try:
            return await asyncio.to_thread(sqlite_stamps, sqlite_path(database_url), base, ids, concurrency, stop)
        finally:
            stop.set()  # on Ctrl-C the threads finish their transaction and stop
    return await postgres_stamps(database_url, base, ids, concurrency)


async def postgres_connections_left(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        limit = int(await connection.fetchval("SHOW max_connections"))
        used = int(await connection.fetchval("SELECT count(*) FROM pg_stat_activity"))
    finally:
        await connection.close()
    return limit - used - 5  # a margin for the lock sampler, scrapes and other users of the server


async def postgres_stamps(database_url: str, base: Baseline, ids: list[int], concurrency: int) -> Timings:
    timings = Timings()
    size = max(1, min(concurrency, await postgres_connections_left(database_url)))
    if size < concurrency:
        timings.errors[f"pool capped at {size} connections (max_connections)"] = 0
    program = base.program
    async with asyncpg.create_pool(database_url, min_size=size, max_size=size) as pool:

        async def stamp(i: int) -> None:
            member_id = ids[i]
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
                    INSERT_LEDGER, member_id, program.id, details, base.store_id, base.staff_id, str(uuid.uuid4()), now
                )
            timings.total.append(time.perf_counter() - started)

        timings.wall = await run_concurrently(len(ids), concurrency, stamp)
    return timings


def sqlite_stamps(path: str, base: Baseline, ids: list[int], concurrency: int, stop: threading.Event) -> Timings:
    """The stamp transaction in `concurrency` threads, each with its own sqlite3 connection (the GIL
    is released while SQLite works), as the server's writes are: BEGIN IMMEDIATE, busy timeout 30 s."""
    timings = Timings()
    program = base.program
    lock = threading.Lock()
    next_index = 0
    lock_member, open_card, update_card, insert_card, insert_ledger = (
        sqlite_statement(s) for s in (LOCK_MEMBER, OPEN_CARD, UPDATE_CARD, INSERT_CARD, INSERT_LEDGER)
    )

    def worker() -> None:
        nonlocal next_index
        connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA synchronous = NORMAL")  # as the server's connections
        try:
            while not stop.is_set():
                with lock:
                    i = next_index
                    next_index += 1
                if i >= len(ids):
                    return
                member_id = ids[i]
                open_key = f"{member_id}:{program.id}"
                started = time.perf_counter()
                try:
                    now = str(datetime.now(UTC))
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute(lock_member, (member_id,)).fetchone()
                    card = connection.execute(open_card, (open_key,)).fetchone()
                    if card is None:
                        args = (member_id, program.id, program.capacity, program.reward_text)
                        row = connection.execute(
                            insert_card, (*args, program.reward_valid_days, open_key, now)
                        ).fetchone()
                        card_id, opened = row[0], True
                    else:
                        card_id, opened = card[0], False
                        connection.execute(update_card, (card_id, now))
                    details = json.dumps({"fills": [{"card_id": card_id, "added": 1, "opened": opened}]})
                    connection.execute(
                        insert_ledger,
                        (member_id, program.id, details, base.store_id, base.staff_id, str(uuid.uuid4()), now),
                    ).fetchone()
                    connection.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    with lock:
                        if "locked" in str(exc):
                            timings.locked += 1
                        else:
                            timings.errors[f"sqlite3 {exc}"] += 1
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    timings.total.append(elapsed)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(concurrency, len(ids)))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings.wall = time.perf_counter() - started
    return timings


# ---------------------------------------------------------------- the run


@dataclass
class Cell:
    engine: str
    processes: int
    tills: int
    http: Timings | None = None
    sql: Timings | None = None
    statements: float | None = None
    log_locked: int = 0
    locks: LockSample | None = None
    sessions: int = 0
    skipped: str = ""


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def spread(values: list[float]) -> tuple[str, str, str]:
    return ms(percentile(values, 50)), ms(percentile(values, 95)), ms(percentile(values, 99))


def per_pair(cell: Cell, name: str) -> str:
    http = cell.http
    if http is None or name not in http.cpu or not http.total:
        return "-"
    return f"{http.cpu[name] * 1000 / len(http.total):.2f}"


def ratio(cell: Cell) -> str:
    if cell.http is None or cell.sql is None or not cell.sql.rate:
        return "-"
    return f"{cell.http.rate / cell.sql.rate:.1%}"


def locked(cell: Cell) -> str:
    http = cell.http.locked if cell.http else 0
    raw = f", raw {cell.sql.locked}" if cell.sql and cell.sql.locked else ""
    return f"{http} (log {cell.log_locked}{raw})"


def waits(cell: Cell) -> tuple[str, str]:
    if cell.locks is None:
        return "-", "-"
    return f"{cell.locks.waiting_max} / {cell.locks.mean:.2f}", cell.locks.top(3)


def report_cell(cell: Cell, args: argparse.Namespace) -> None:
    title = (
        f"{ENGINE_NAMES[cell.engine]}, {cell.processes} server process{'es' if cell.processes > 1 else ''}, "
        f"{cell.tills} till{'s' if cell.tills > 1 else ''}"
    )
    print()
    if cell.skipped:
        print(f"{title}: skipped ({cell.skipped})")
        return
    assert cell.http is not None and cell.sql is not None
    http, sql = cell.http, cell.sql
    print(
        f"{title}: {len(http.total)} timed pairs ({args.warmup} warm-up not counted), {cell.sessions} till "
        f"sessions, {os.cpu_count()} CPUs"
    )
    header = f"{'path':<30} {'count':>6} {'ops/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    rows = [
        ("HTTP scan + stamp (pair)", http.total, f"{http.rate:8.1f}"),
        ("  of which POST /scans", http.first, f"{'':>8}"),
        ("  of which POST /stamps", http.second, f"{'':>8}"),
        ("raw SQL stamp transaction", sql.total, f"{sql.rate:8.1f}"),
    ]
    for name, values, rate in rows:
        p50, p95, p99 = spread(values)
        print(f"{name:<30} {len(values):>6} {rate} {p50:>8} {p95:>8} {p99:>8}")
    print("-" * len(header))
    pg = f", PostgreSQL {per_pair(cell, 'postgres')}" if cell.engine == "postgres" else ""
    print(
        f"pairs/raw: {ratio(cell)} of raw; statements per pair: {format_statements(cell.statements)}; "
        f"CPU ms per pair: server {per_pair(cell, 'server')}{pg}, client {per_pair(cell, 'client')}"
    )
    errors = ", ".join(f"{k}: {n}" for k, n in (http.errors + sql.errors).items()) or "none"
    capped = [k for k in sql.errors if k.startswith("pool capped")]
    print(
        f"locked errors: {http.locked} HTTP answers 5xx or 'locked', {cell.log_locked} server log lines with "
        f"'locked', {sql.locked} in raw SQL; other errors: {errors}{'; ' + capped[0] if capped else ''}"
    )
    if http.first_error:
        print(f"  first error: {http.first_error}")
    if cell.locks is not None:
        locks = cell.locks
        print(
            f"pg_locks every {LOCK_SAMPLE_SECONDS * 1000:.0f} ms ({locks.samples} samples during the timed pairs): "
            f"sessions waiting for a lock max {locks.waiting_max}, mean {locks.mean:.2f}; waiting on: {locks.top()}"
        )


def summary(cells: list[Cell]) -> None:
    print()
    print("Summary (ms; CPU is the server's per pair; locked: HTTP 5xx or 'locked' answers, log lines in brackets;")
    print("pg_locks: sessions waiting for a lock, max / mean, and what they waited on):")
    print()
    print(
        "| engine | proc | tills | pairs/s | pair p50 | p95 | p99 | stamp p50 | p95 | p99 "
        "| raw/s | raw p50 | p95 | p99 | of raw | stmts/pair | CPU ms/pair | locked | lock waits | waiting on |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for cell in cells:
        head = f"| {ENGINE_NAMES[cell.engine]} | {cell.processes} | {cell.tills} "
        if cell.skipped:
            print(head + f"| skipped: {cell.skipped} |" + " |" * 16)
            continue
        assert cell.http is not None and cell.sql is not None
        cols = [
            f"{cell.http.rate:.1f}",
            *spread(cell.http.total),
            *spread(cell.http.second),
            f"{cell.sql.rate:,.0f}",
            *spread(cell.sql.total),
            ratio(cell),
            format_statements(cell.statements),
            per_pair(cell, "server"),
            locked(cell),
            *waits(cell),
        ]
        print(head + "| " + " | ".join(cols) + " |")


def sessions_needed(tills: int, operations: int) -> int:
    return max(tills, math.ceil(operations / SCANS_PER_SESSION))


async def run_cell(
    cell: Cell,
    args: argparse.Namespace,
    server: Server,
    database_url: str,
    phones: list[Phone],
    base: Baseline,
    ids: list[int],
) -> None:
    meter = CpuMeter(server.pid)
    counter = StatementCounter(server.base_url)
    warm = args.warmup
    tills = await staff_sessions(server.base_url, sessions_needed(cell.tills, len(phones)))
    cell.sessions = len(tills)
    try:
        print(f"  {cell.tills} tills: warming up ...", flush=True)
        if warm:
            await http_pairs(tills, phones[:warm], cell.tills, meter)
            await sql_stamps(cell.engine, database_url, base, ids[:warm], cell.tills)
        log_offset = len(server.text())
        await counter.calibrate()
        before = await counter.read()
        print(f"  {cell.tills} tills: timing {args.requests} HTTP pairs ...", flush=True)
        if cell.engine == "postgres":
            async with LockSampler(database_url) as sampler:
                cell.http = await http_pairs(tills, phones[warm:], cell.tills, meter)
            cell.locks = sampler.result
        else:
            cell.http = await http_pairs(tills, phones[warm:], cell.tills, meter)
        after = await counter.read()
        cell.statements = counter.per_operation(before, after, len(cell.http.total) + cell.http.locked)
        cell.log_locked = sum("locked" in line.lower() for line in server.text()[log_offset:].splitlines())
        print(f"  {cell.tills} tills: timing {args.requests} raw SQL stamp transactions ...", flush=True)
        cell.sql = await sql_stamps(cell.engine, database_url, base, ids[warm:], cell.tills)
    finally:
        await close_all(tills)


async def run_server(engine: str, processes: int, args: argparse.Namespace) -> list[Cell]:
    """One database and one server for every till count of this engine and process count; always
    stops the server and removes the database."""
    cells = [Cell(engine, processes, tills) for tills in args.tills]
    per_cell = args.requests + args.warmup
    async with engine_database(engine, args.pg_admin_url) as database_url:
        server = Server(database_url, free_port(), processes, per_cell * len(cells))
        try:
            print(
                f"\n{ENGINE_NAMES[engine]}: starting `stampcard serve --demo` with STAMPCARD_WORKERS={processes} "
                f"on {server.base_url} ...",
                flush=True,
            )
            server.start()
            try:
                await server.wait_healthy()
            except RuntimeError as exc:  # e.g. a checkout that refuses several processes on SQLite
                reason = str(exc).strip().splitlines()
                for cell in cells:
                    cell.skipped = f"the server did not start: {reason[-1].strip() if reason else exc}"
                print(f"{exc}", file=sys.stderr)
                return cells
            started = time.perf_counter()
            tag = secrets.token_hex(3)
            total = per_cell * len(cells)
            print(f"joining {total} members over the API (set-up, not timed) ...", flush=True)
            phones = await join_members(server.base_url, total, JOIN_CONCURRENCY, tag)
            base = await sql_setup(engine, database_url, total, tag)
            print(f"set-up took {time.perf_counter() - started:.1f} s", flush=True)
            for n, cell in enumerate(cells):
                part = slice(n * per_cell, (n + 1) * per_cell)
                await run_cell(cell, args, server, database_url, phones[part], base, base.member_ids[part])
                report_cell(cell, args)
            if args.keep_log:
                print(server.tail(10_000))
        except (ApiError, OSError, httpx.HTTPError, asyncpg.PostgresError, sqlite3.Error) as exc:
            print(f"\nbenchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            if server.tail():
                print(f"server log (tail):\n{server.tail()}", file=sys.stderr)
            for cell in cells:
                if cell.sql is None:
                    cell.skipped = f"failed: {type(exc).__name__}: {str(exc)[:120]}"
        finally:
            server.stop()
    return cells


async def run_all(args: argparse.Namespace) -> int:
    print(__doc__.split("\n\n")[0])
    print(
        f"engines {','.join(args.engines)}; tills {','.join(map(str, args.tills))}; server processes "
        f"{','.join(map(str, args.processes))}; {args.requests} timed operations per path and cell, "
        f"{args.warmup} warm-up; PUSH_DISPATCHER=off (in production the worker runs as its own process)",
        flush=True,
    )
    started = time.perf_counter()
    cells: list[Cell] = []
    for engine in args.engines:
        for processes in args.processes:
            try:
                cells += await run_server(engine, processes, args)
            except (OSError, asyncpg.PostgresError) as exc:
                print(f"\n{ENGINE_NAMES[engine]} with {processes} processes failed: {exc}", file=sys.stderr)
                cells += [Cell(engine, processes, t, skipped=f"failed: {exc}") for t in args.tills]
    summary(cells)
    for cell in cells:
        capped = [k for k in (cell.sql.errors if cell.sql else {}) if k.startswith("pool capped")]
        if capped:
            print(
                f"{ENGINE_NAMES[cell.engine]}, {cell.processes} processes, {cell.tills} tills: raw SQL {capped[0]}; "
                "the rest queued on the pool"
            )
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    return 1 if any(cell.skipped.startswith("failed") for cell in cells) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--engines", type=engines_argument, default=list(ENGINES), help="postgres,sqlite (default both)"
    )
    parser.add_argument("--tills", type=counts_argument, default=[1, 16, 64], help="concurrent tills (default 1,16,64)")
    parser.add_argument(
        "--processes", type=counts_argument, default=[1, 2], help="server processes, STAMPCARD_WORKERS (default 1,2)"
    )
    parser.add_argument("--requests", type=int, default=300, help="timed operations per path and cell (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed operations per path and cell (default 30)")
    add_pg_admin_argument(parser)
    parser.add_argument("--keep-log", action="store_true", help="print each server's log at its end")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1, --warmup at least 0")
    return run_script(run_all(args))


if __name__ == "__main__":
    sys.exit(main())
