"""Member home (GET /api/me) against a bare Litestar hello endpoint, in the same run, on both engines.

    .venv/bin/python benchmarks/member_home.py [--engines postgres,sqlite] [--concurrency 1,16]
                                               [--seconds 8] [--warmup 2] [--processes 1]

What is measured: GET /api/me is the member's home screen in one request (the open card, the tier and
its progress, the rewards, recent activity) for a member logged in with their own cookie jar, as the
PWA asks for it. Against it: GET / of a bare Litestar app (`benchmarks/hello_app.py`, `@get("/")`
returning a dict) under uvicorn with the same settings `stampcard serve` uses. Goal (issue 14): at
least 25% of hello's requests per second.

What it does, once per engine:
  1. creates a database (`stampcard_bench_<hex>` on --pg-admin-url, or an SQLite file in a temporary
     directory), starts `stampcard serve --demo` on it (development mode, PUSH_DISPATCHER=off: in
     production the worker is a process of its own) and the hello app, each on a free port;
  2. joins as many members as the highest --concurrency over the API (OTP start, code from the dev
     outbox, verify with a device key), each keeping its own logged-in httpx client;
  3. for each concurrency: that many clients GET for --warmup seconds (not counted), then for
     --seconds each: hello first, then /api/me, each client with one request in flight;
  4. counts the SQL statements per /api/me with the server's own counter (`stampcard_db_statements_
     total` on GET /metrics, counted by the driver), less what the scrape itself costs;
  5. prints requests per second, p50/p95/p99 and server CPU per request for both, the ratio
     "x% of hello", then a markdown table.

The servers and the client share the machine's cores: read the ratio, measured under the same
conditions, not the absolute figures. The servers, the database and the files are removed even when
the run fails or is interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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
    Server,
    StatementCounter,
    add_pg_admin_argument,
    counts_argument,
    engine_database,
    engines_argument,
    format_statements,
    free_port,
    join_members,
    percentile,
    run_script,
    stop_process,
    tree_cpu_seconds,
    wait_healthy,
)


class HelloServer:
    """benchmarks/hello_app.py as a subprocess, its output in a temporary log file."""

    def __init__(self, port: int, processes: int) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.processes = processes
        self.log = tempfile.NamedTemporaryFile(prefix="stampcard-hello-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "hello_app.py"), "--port", str(self.port)]
            + ["--workers", str(self.processes)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def tail(self, lines: int = 20) -> str:
        try:
            text = Path(self.log.name).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    async def wait_healthy(self) -> None:
        await wait_healthy(self.process, self.base_url, self.tail, 30, path="/")

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    wall: float = 0.0
    cpu: float = 0.0  # the server's CPU seconds

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def cpu_ms(self) -> str:
        return f"{self.cpu * 1000 / len(self.latencies):.2f}" if self.latencies else "-"

    def spread(self) -> tuple[str, str, str]:
        p50, p95, p99 = (f"{percentile(self.latencies, p) * 1000:.1f}" for p in (50, 95, 99))
        return p50, p95, p99


async def timed_gets(clients: list[httpx.AsyncClient], path: str, seconds: float, server_pid: int) -> Run:
    """Each client GETs `path` one request at a time until `seconds` have passed."""
    run = Run()
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.HTTPError as exc:
                run.errors += 1
                run.first_error = run.first_error or f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code != 200:
                run.errors += 1
                run.first_error = run.first_error or f"{response.status_code}: {response.text[:200]}"
                continue
            run.latencies.append(time.perf_counter() - started)

    cpu_before = tree_cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    run.wall = time.perf_counter() - started
    run.cpu = tree_cpu_seconds(server_pid) - cpu_before
    return run


@dataclass
class Cell:
    engine: str
    processes: int
    concurrency: int
    hello: Run | None = None
    home: Run | None = None
    statements: float | None = None
    skipped: str = ""

    def ratio(self) -> str:
        if self.hello is None or self.home is None or not self.hello.rate:
            return "-"
        return f"{self.home.rate / self.hello.rate:.1%}"


def report_cell(cell: Cell) -> None:
    print()
    title = f"{ENGINE_NAMES[cell.engine]}, {cell.processes} server process(es), concurrency {cell.concurrency}"
    if cell.skipped or cell.hello is None or cell.home is None:
        print(f"{title}: skipped ({cell.skipped})")
        return
    print(title)
    header = f"{'endpoint':<28} {'requests':>8} {'rps':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms':>7}"
    print(header)
    print("-" * len(header))
    for name, run in (("bare Litestar hello GET /", cell.hello), ("member home GET /api/me", cell.home)):
        p50, p95, p99 = run.spread()
        print(
            f"{name:<28} {len(run.latencies):>8} {run.rate:8.1f} {p50:>8} {p95:>8} {p99:>8} {run.cpu_ms():>7}"
            + (f"  errors {run.errors}: {run.first_error}" if run.errors else "")
        )
    print("-" * len(header))
    print(
        f"/api/me: {cell.ratio()} of hello (goal: at least 25%); statements per request: "
        f"{format_statements(cell.statements)}; CPU ms is the server's per request"
    )


def summary(cells: list[Cell]) -> None:
    print()
    print(
        "| engine | proc | conc | /api/me rps | p50 ms | p95 ms | p99 ms | hello rps | p50 ms | p95 ms | p99 ms "
        "| of hello | stmts/request | CPU ms/request |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for cell in cells:
        head = f"| {ENGINE_NAMES[cell.engine]} | {cell.processes} | {cell.concurrency} "
        if cell.skipped or cell.hello is None or cell.home is None:
            print(head + f"| skipped: {cell.skipped} |" + " |" * 10)
            continue
        cols = [
            f"{cell.home.rate:.1f}",
            *cell.home.spread(),
            f"{cell.hello.rate:.1f}",
            *cell.hello.spread(),
            cell.ratio(),
            format_statements(cell.statements),
            cell.home.cpu_ms(),
        ]
        print(head + "| " + " | ".join(cols) + " |")


async def run_engine(engine: str, args: argparse.Namespace) -> list[Cell]:
    cells = [Cell(engine, args.processes, c) for c in args.concurrency]
    clients: list[httpx.AsyncClient] = []
    hello_clients: list[httpx.AsyncClient] = []
    async with engine_database(engine, args.pg_admin_url) as database_url:
        server = Server(database_url, free_port(), args.processes)
        hello = HelloServer(free_port(), args.processes)
        try:
            print(f"\n{ENGINE_NAMES[engine]}: starting `stampcard serve --demo` and the hello app ...", flush=True)
            server.start()
            hello.start()
            await server.wait_healthy()
            await hello.wait_healthy()
            members = max(args.concurrency)
            print(f"joining {members} members over the API (set-up, not timed) ...", flush=True)
            phones = await join_members(server.base_url, members, 8, secrets.token_hex(3), keep_sessions=True)
            clients = [phone.session.client for phone in phones if phone.session is not None]
            hello_clients = [httpx.AsyncClient(base_url=hello.base_url, timeout=60) for _ in range(members)]
            counter = StatementCounter(server.base_url)
            for cell in cells:
                c = cell.concurrency
                print(f"  concurrency {c}: warming up {args.warmup:g} s per side, then {args.seconds:g} s each ...")
                await timed_gets(hello_clients[:c], "/", args.warmup, hello.pid)
                await timed_gets(clients[:c], "/api/me", args.warmup, server.pid)
                cell.hello = await timed_gets(hello_clients[:c], "/", args.seconds, hello.pid)
                await counter.calibrate()
                before = await counter.read()
                cell.home = await timed_gets(clients[:c], "/api/me", args.seconds, server.pid)
                after = await counter.read()
                cell.statements = counter.per_operation(before, after, len(cell.home.latencies) + cell.home.errors)
                report_cell(cell)
        except (ApiError, RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError) as exc:
            print(f"\nbenchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            if server.tail():
                print(f"server log (tail):\n{server.tail()}", file=sys.stderr)
            for cell in cells:
                if cell.home is None:
                    cell.skipped = f"failed: {type(exc).__name__}: {str(exc)[:120]}"
        finally:
            for client in clients + hello_clients:
                await client.aclose()
            hello.stop()
            server.stop()
    return cells


async def run_all(args: argparse.Namespace) -> int:
    print(__doc__.split("\n\n")[0])
    print(__doc__.split("\n\n")[2].strip())
    print(
        f"engines {','.join(args.engines)}; concurrency {','.join(map(str, args.concurrency))}; "
        f"{args.seconds:g} s per side after {args.warmup:g} s warm-up; {args.processes} server process(es) each; "
        "PUSH_DISPATCHER=off (in production the worker runs as its own process)",
        flush=True,
    )
    started = time.perf_counter()
    cells: list[Cell] = []
    for engine in args.engines:
        cells += await run_engine(engine, args)
    summary(cells)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    return 1 if any(cell.skipped for cell in cells) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--engines", type=engines_argument, default=list(ENGINES), help="postgres,sqlite (default both)"
    )
    parser.add_argument(
        "--concurrency", type=counts_argument, default=[1, 16], help="members, one request each in flight (1,16)"
    )
    parser.add_argument("--seconds", type=float, default=8, help="timed seconds per side and cell (default 8)")
    parser.add_argument("--warmup", type=float, default=2, help="untimed seconds per side and cell (default 2)")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes for both apps, STAMPCARD_WORKERS (default 1)"
    )
    add_pg_admin_argument(parser)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.processes < 1:
        parser.error("--seconds must be above 0, --warmup at least 0, --processes at least 1")
    return run_script(run_all(args))


if __name__ == "__main__":
    sys.exit(main())
