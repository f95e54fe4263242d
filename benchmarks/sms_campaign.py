"""An SMS campaign to 10,000 members through the worker's outbox, beside a naive send loop measured in
the same run, over the local fake gateway with a network-like delay.

    .venv/bin/python benchmarks/sms_campaign.py [--members 10000] [--baseline 300] [--latency 0.02]
                                                [--concurrency 64] [--batch 512] [--traced 2500]

What it does, in one run:
  1. creates a database `stampcard_bench_<hex>` on the PostgreSQL server at --pg-admin-url, migrates it
     and sets up a club;
  2. starts the fake SMS gateway (tests/fake_sms_gateway.py, the generic API) in a process of its own,
     each answer held --latency seconds, so it shares neither this process's event loop nor its memory;
  3. makes --members members with a mobile number and consent to SMS offers (COPY: set-up, not timed),
     and writes the campaign's outbox rows as a release would (one notification per member, channel "sms");
  4. times the worker's path: the fan-out (channel and consent per member, one outbox row per SMS),
     then `MessageDispatcher.run_once()` rounds (claim, consent again, render with the opt-out link, the
     day's budget taken per batch, concurrent sends on kept-open connections, grouped writes) until done;
     then checks that the gateway took exactly one SMS per member, with the campaign's text;
  5. times the naive loop a first version would write, on --baseline other members:
     `for member in members: await sms.send_text(phone, text, "campaign")` (the one-SMS path a code takes:
     the budget in its own transaction, then the gateway), one after another;
  6. prints messages per second for both and the ratio (the issue's target: at least 10x), and memory:
     the growth of this process's maximum RSS during the timed run, and the tracemalloc peak of two
     untimed campaigns, --traced members and all of them, to show that it stays flat as the campaign grows.

The dispatcher, PostgreSQL and the fake share the machine's cores: read the figures as a ratio measured
under the same conditions. The database and the fake are removed even when the run fails."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import multiprocessing
import os
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root, for backend, digital_stampcard, benchmarks
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from benchmarks.common import add_pg_admin_argument, run_script, scratch_database  # noqa: E402

OSLO = ZoneInfo("Europe/Oslo")
TITLE, BODY = "Vaffeltorsdag", "Halv pris på vafler i dag, kun for medlemmer."
PASSWORD = "bench-gateway-token"


class CheckFailed(Exception):
    pass


# ---------------------------------------------------------------- the fake gateway, in its own process


def _gateway_process(conn: Any) -> None:
    from tests.fake_sms_gateway import FakeSmsGateway

    async def serve() -> None:
        async with FakeSmsGateway(password=PASSWORD) as gateway:
            conn.send(gateway.url)
            while True:
                if not await asyncio.to_thread(conn.poll, 0.2):
                    continue
                command, *args = conn.recv()
                if command == "stop":
                    conn.send(None)
                    return
                if command == "latency":
                    gateway.delay = args[0]
                    conn.send(None)
                elif command == "summary":  # per number: how many SMS, and whether each had the campaign's text
                    per_number: dict[str, int] = {}
                    for sms in gateway.received:
                        if TITLE in sms.text and "/u/" in sms.text:
                            per_number[sms.to] = per_number.get(sms.to, 0) + 1
                    conn.send((per_number, gateway.duplicates))
                    gateway.received.clear()

    asyncio.run(serve())


class FakeGateway:
    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(target=_gateway_process, args=(child,))

    async def start(self) -> str:
        self.process.start()
        if not await asyncio.to_thread(self.conn.poll, 60):
            raise RuntimeError("the fake SMS gateway did not start within 60 s")
        return str(self.conn.recv())

    async def call(self, *command: Any) -> Any:
        self.conn.send(command)
        await asyncio.to_thread(self.conn.poll, 60)
        return self.conn.recv()

    def stop(self) -> None:
        if self.process.pid is not None and self.process.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self.conn.send(("stop",))
                self.conn.poll(5)
            self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()


# ---------------------------------------------------------------- set-up


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


SEED_MEMBERS = """
INSERT INTO member (member_number, phone, interests, lang, push_service_enabled, tier_code, tier_review_at, joined_at)
SELECT 'B' || lpad(n::text, 8, '0'), '+479' || lpad(n::text, 7, '0'), '[]', 'nb', true, 'bronse',
       $2::timestamptz + interval '365 days', $2::timestamptz
FROM generate_series($3::int, $3::int + $1::int - 1) AS n
ORDER BY n
RETURNING id, phone
"""


async def seed(connection: asyncpg.Connection, count: int, first: int, now: datetime) -> list[tuple[int, str]]:
    members = [(r["id"], r["phone"]) for r in await connection.fetch(SEED_MEMBERS, count, now, first)]
    await connection.copy_records_to_table(
        "consent_event",
        columns=["member", "purpose", "granted", "text_version", "source", "created_at"],
        records=[(mid, p, True, "bench-1", "bench", now) for mid, _ in members for p in ("terms", "marketing_sms")],
    )
    return members


async def enqueue(connection: asyncpg.Connection, member_ids: list[int], campaign: int, now: datetime) -> None:
    """One outbox row per member, as releasing an SMS campaign writes them."""
    data = json.dumps({"title": TITLE, "body": BODY, "navigate": "/", "campaign_id": campaign, "channel": "sms"})
    await connection.copy_records_to_table(
        "notification",
        columns=["member", "kind", "dedupe_key", "data", "created_at", "due_at", "status"],
        records=[(m, "campaign", f"campaign:{m}:bench-{campaign}", data, now, now, "pending") for m in member_ids],
    )
    await connection.execute("ANALYZE")


async def worker_path(ctx: Any, args: argparse.Namespace, *, trace: bool = False) -> tuple[float, float, int]:
    """Fan-out, then dispatcher rounds until nothing is left. Returns seconds, the tracemalloc peak, rounds."""
    from backend.push.fanout import expand_due
    from backend.push.messages import MessageDispatcher

    dispatcher = MessageDispatcher(ctx, concurrency=args.concurrency, batch=args.batch)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    rounds = 0
    try:
        while await expand_due(ctx, ctx.push_policy, args.batch * 4):
            pass
        while await dispatcher.run_once():
            rounds += 1
    finally:
        await dispatcher.close()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    if trace:
        tracemalloc.stop()
    return seconds, peak, rounds


async def naive_path(ctx: Any, members: list[tuple[int, str]]) -> float:
    from backend.messaging.sms import SmsSender
    from backend.messaging.sms_gateways import make_gateway

    gateway = make_gateway(ctx.settings)
    assert gateway is not None
    sender = SmsSender(ctx.settings, ctx.clock, ctx.engine, gateway)
    text = f"Bench: {TITLE}\n{BODY}\nStopp tilbud: {ctx.settings.public_url}/u/naive"
    started = time.perf_counter()
    try:
        for _, phone in members:
            await sender.send_text(phone, text, "campaign")
    finally:
        await sender.close()
    return time.perf_counter() - started


async def check(fake: FakeGateway, phones: list[str], what: str) -> int:
    per_number, duplicates = await fake.call("summary")
    missing = [p for p in phones if per_number.get(p) != 1]
    if missing or len(per_number) != len(phones):
        raise CheckFailed(f"{what}: {len(missing)} members did not get exactly one SMS (of {len(phones)})")
    return int(duplicates)


async def _no_reset(_: object) -> None:
    return None


async def bench(args: argparse.Namespace, database_url: str, fake: FakeGateway) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from backend.clock import FrozenClock
    from backend.context import AppContext
    from backend.db import make_engine, migrate
    from backend.demo import create_club
    from backend.messaging.senders import make_sender
    from backend.ratelimit import make_rate_limiter
    from backend.settings import Settings

    url = await fake.start()
    settings = Settings(
        environment="test",
        database_url=database_url,
        public_url="https://klubb.example",
        sms_transport="generic",
        sms_gateway_url=f"{url}/generic/send",
        sms_gateway_password=PASSWORD,
        sms_callback_token="bench-callback-" + "x" * 20,
        sms_daily_segment_budget=10 * (args.members + args.baseline + args.traced),
    )
    local_noon = datetime.now(OSLO).replace(hour=12, minute=0, second=0, microsecond=0)
    clock = FrozenClock(local_noon.astimezone(UTC))
    engine = make_engine(database_url)
    assert isinstance(engine, PostgresEngine)
    with contextlib.redirect_stdout(io.StringIO()):  # piccolo prints a banner per app
        await migrate(engine)
    await engine.start_connection_pool(max_size=settings.db_pool_size, reset=_no_reset)
    try:
        ctx = AppContext(settings, engine, clock, make_rate_limiter(""), make_sender(settings, clock, engine))
        await create_club(ctx, "Bench")
        connection = await asyncpg.connect(database_url)
        try:
            print(f"inserting {args.members + args.baseline} members with consent to SMS offers ...", flush=True)
            members = await seed(connection, args.members, 1, clock.now() - timedelta(days=1))
            naive_members = await seed(connection, args.baseline, args.members + 1, clock.now() - timedelta(days=1))
            await fake.call("latency", args.latency)

            await enqueue(connection, [m for m, _ in members], 1, clock.now())
            print(f"timing the worker: {args.members} SMS at {args.latency * 1000:.0f} ms ...", flush=True)
            rss_before = maxrss_mib()
            ours, _, rounds = await worker_path(ctx, args)
            rss_growth = maxrss_mib() - rss_before
            duplicates = await check(fake, [p for _, p in members], "worker")

            print(f"timing the naive loop: {args.baseline} SMS at {args.latency * 1000:.0f} ms ...", flush=True)
            naive = await naive_path(ctx, naive_members)
            await check(fake, [p for _, p in naive_members], "naive loop")

            peaks = []
            for campaign, count in ((2, min(args.traced, args.members)), (3, args.members)):
                clock.advance(days=15)  # the weekly cap lets each campaign through
                await enqueue(connection, [m for m, _ in members[:count]], campaign, clock.now())
                print(f"tracemalloc over an untimed campaign of {count} SMS ...", flush=True)
                _, peak, _ = await worker_path(ctx, args, trace=True)
                await check(fake, [p for _, p in members[:count]], f"traced campaign of {count}")
                peaks.append((count, peak))
        finally:
            await connection.close()
    finally:
        await engine.close_connection_pool()

    ours_rate, naive_rate = args.members / ours, args.baseline / naive
    ratio = ours_rate / naive_rate
    print()
    print(
        f"SMS campaign on PostgreSQL over the fake generic gateway ({args.latency * 1000:.0f} ms per answer, "
        f"its own process); concurrency {args.concurrency}, batch {args.batch}; {os.cpu_count()} CPUs"
    )
    print(f"worker (fan-out + outbox): {args.members} SMS in {ours:.2f} s = {ours_rate:.1f} SMS/s ({rounds} rounds)")
    print(f"naive send_text loop:      {args.baseline} SMS in {naive:.2f} s = {naive_rate:.1f} SMS/s")
    print(f"ratio: {ratio:.1f}x ({'meets' if ratio >= 10 else 'MISSES'} the 10x target)")
    print(f"max RSS growth of this process during the timed campaign: {rss_growth:.1f} MiB")
    for count, peak in peaks:
        print(f"tracemalloc peak over a campaign of {count} SMS: {peak:.1f} MiB")
    print(f"every member got exactly one SMS with the campaign's text; {duplicates} repeated references at the gateway")


async def run(args: argparse.Namespace) -> int:
    fake = FakeGateway()
    try:
        async with scratch_database(args.pg_admin_url) as database_url:
            await bench(args, database_url, fake)
    except CheckFailed as failed:
        print(f"CHECK FAILED: {failed}", file=sys.stderr)
        return 1
    finally:
        fake.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the fake gateway holds each answer")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--traced", type=int, default=2500, help="the smaller of the two memory-traced campaigns")
    add_pg_admin_argument(parser)
    return run_script(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
