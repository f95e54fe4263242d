"""What the benchmark scripts share: a scratch PostgreSQL database that is always dropped, CPU time read
from /proc, and running a script so that Ctrl-C and SIGTERM unwind (and clean up) like an error."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

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
