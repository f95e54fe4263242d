"""Where a scan+stamp pair spends its CPU: the app in this process (its ASGI app, no sockets), the
demo club, fresh members, then N pairs one after another under cProfile.

    .venv/bin/python benchmarks/profile_stamp_path.py [--engine sqlite|postgres] [--pairs 300] [--top 25]

Prints the CPU per pair (this process: the app, the in-process ASGI client and, on SQLite, the
database engine's threads; PostgreSQL's own work is in its server and not counted), the SQL
statements per pair (the driver's counter), the time per package (our code, Piccolo, Litestar,
asyncpg/aiosqlite, msgspec, cryptography, asyncio, httpx as the client) and the functions that
cost most. Pairs run one at a time: a profile of where the time goes, not a throughput figure
(benchmarks/scan_to_stamp.py measures that over real HTTP)."""

from __future__ import annotations

import argparse
import base64
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from benchmarks.common import add_pg_admin_argument, run_script, scratch_database  # noqa: E402
from digital_stampcard import member_qr  # noqa: E402

STAFF = [("lokka", "kaffe-lokka"), ("majorstuen", "kaffe-majorstuen")]  # the demo's tills
PACKAGES = [  # (label, path fragment), first match wins
    ("our code (backend, digital_stampcard)", "/backend/"),
    ("our code (backend, digital_stampcard)", "/digital_stampcard/"),
    ("piccolo (query building, rows)", "/piccolo/"),
    ("litestar (routing, DI, serialising)", "/litestar/"),
    ("asyncpg", "/asyncpg/"),
    ("aiosqlite + sqlite3", "/aiosqlite/"),
    ("msgspec", "msgspec"),
    ("cryptography (QR signature)", "/cryptography/"),
    ("httpx + httpcore (the benchmark's client)", "/httpx/"),
    ("httpx + httpcore (the benchmark's client)", "/httpcore/"),
    ("prometheus_client", "/prometheus_client/"),
    ("asyncio", "/asyncio/"),
    ("logging", "/logging/"),
]


def package_of(filename: str) -> str:
    if filename.startswith("<") or filename == "~":
        return "builtins (C functions, incl. sqlite3 and hashlib)"
    for label, fragment in PACKAGES:
        if fragment in filename:
            return label
    return "other Python"


class Phone:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public_key = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        self.device_id = ""

    def qr(self) -> str:
        return member_qr.sign_token(self.key, self.device_id, member_qr.time_step(datetime.now(UTC)))


async def post(client: httpx.AsyncClient, url: str, body: Any, key: str | None = None) -> httpx.Response:
    headers = {"x-csrftoken": client.cookies.get("csrftoken") or ""}
    if key:
        headers["Idempotency-Key"] = key
    return await client.post(url, json=body, headers=headers)


async def join(app: Any, base_url: str, phone: Phone, i: int) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
        await client.get("/api/config")
        identifier = f"profile-{i}@example.com"
        started = await post(
            client, "/api/auth/otp/start", {"identifier": identifier, "purpose": "join", "terms_accepted": True}
        )
        assert started.status_code == 202, started.text
        code = (await client.get("/api/dev/outbox", params={"to": identifier})).json()[0]["code"]
        body = {"identifier": identifier, "code": code, "device_label": "bench", "device_public_key": phone.public_key}
        verified = await post(client, "/api/auth/otp/verify", body)
        assert verified.status_code == 200, verified.text
        phone.device_id = verified.json()["device_id"]


async def pair(till: httpx.AsyncClient, phone: Phone) -> None:
    scan = await post(till, "/api/staff/scans", {"code": phone.qr()})
    assert scan.status_code == 201, scan.text
    stamp = await post(till, "/api/staff/stamps", {"scan_id": scan.json()["scan_id"], "count": 1}, str(uuid.uuid4()))
    assert stamp.status_code == 200 and stamp.json()["added"] == 1, stamp.text


async def profile(args: argparse.Namespace, database_url: str) -> None:
    from backend import metrics
    from backend.app import create_app
    from backend.demo import load_demo
    from backend.settings import settings_from_env

    port_url = "http://localhost:8000"
    budget = str(10 * (2 * args.pairs + args.warmup) + 100)
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STAMPCARD_ENV": "development",
        "PUBLIC_URL": port_url,
        "PUSH_DISPATCHER": "off",
        "REDIS_URL": "",
        "OTP_SENDS_PER_IP_PER_HOUR": budget,
        "OTP_DAILY_BUDGET": budget,
    }
    app = create_app(settings_from_env(environ), run_migrations=True)
    async with app.lifespan():
        await load_demo(app.state["ctx"], members=20)
        phones = [Phone() for _ in range(2 * args.pairs + args.warmup)]
        for i, phone in enumerate(phones):
            await join(app, port_url, phone, i)
        # A till session may scan 120 QR codes a minute: one session per 100 pairs.
        tills = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=port_url) for _ in phones[::100]]
        for i, till in enumerate(tills):
            username, password = STAFF[i % len(STAFF)]
            await till.get("/api/config")
            login = await post(till, "/api/staff/login", {"username": username, "password": password})
            assert login.status_code == 200, login.text
        for i, phone in enumerate(phones[: args.warmup]):
            await pair(tills[i // 100], phone)
        # First without the profiler (its own cost would inflate the CPU figure), then under it.
        timed = phones[args.warmup : args.warmup + args.pairs]
        statements = metrics.DB_STATEMENTS._value.get()
        cpu, wall = time.process_time(), time.perf_counter()
        for i, phone in enumerate(timed, start=args.warmup):
            await pair(tills[i // 100], phone)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        statements = metrics.DB_STATEMENTS._value.get() - statements
        profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on the database costs nothing
        profiler.enable()
        for i, phone in enumerate(phones[args.warmup + args.pairs :], start=args.warmup + args.pairs):
            await pair(tills[i // 100], phone)
        profiler.disable()
        for till in tills:
            await till.aclose()
    report(args, profiler, cpu, wall, statements)


def report(args: argparse.Namespace, profiler: cProfile.Profile, cpu: float, wall: float, statements: float) -> None:
    n = args.pairs
    print(f"\n{args.engine}: {n} scan+stamp pairs, one at a time, in-process ASGI (no sockets)")
    print(
        f"  CPU per pair (this process, without the profiler): {cpu * 1000 / n:.2f} ms; wall {wall * 1000 / n:.2f} ms"
    )
    print(f"  SQL statements per pair (driver counter): {statements / n:.1f}")
    if args.dump:
        profiler.dump_stats(args.dump)
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[package_of(filename)] += tottime
        total += tottime
    print(f"\n  own CPU time per package, from a second run of {n} pairs under cProfile (which adds its own cost):")
    for label, seconds in sorted(by_package.items(), key=lambda kv: -kv[1]):
        print(f"    {seconds / total * 100:5.1f}%  {seconds * 1000 / n:6.2f} ms/pair  {label}")
    print(f"\n  the {args.top} functions with the most own time:")
    stats.sort_stats("tottime").print_stats(args.top)


async def main_async(args: argparse.Namespace) -> int:
    if args.engine == "postgres":
        async with scratch_database(args.pg_admin_url) as url:
            await profile(args, url)
    else:
        with tempfile.TemporaryDirectory() as folder:
            await profile(args, f"sqlite:///{folder}/profile.sqlite3")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--dump", type=Path, help="also write the profile here (for pstats or snakeviz)")
    add_pg_admin_argument(parser)
    args = parser.parse_args()
    return run_script(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
