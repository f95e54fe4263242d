"""A push campaign to 10,000 subscriptions through our dispatcher, beside a naive pywebpush loop measured in
the same run.

    .venv/bin/python benchmarks/push_campaign.py [--subscriptions 10000] [--baseline 300] [--baseline-at-0 2000]
                                                 [--latency 0.02] [--concurrency 64] [--batch 500]
                                                 [--kind campaign] [--traced 2000] [--profile FILE]

What it does, in one run:
  1. creates a database `stampcard_bench_<hex>` on the PostgreSQL server at --pg-admin-url and migrates it;
  2. starts the fake push service (tests/push/fake_push_service.py, decrypt on) in a process of its own, so
     its VAPID checks and decryption do not share this process's event loop, GIL or memory figures;
  3. makes --subscriptions members with one push subscription each (keys made by the fake, as a browser
     would), plus consent to marketing push for a campaign; inserted with COPY, set-up, not timed;
  4. for each latency (--latency, then 0): writes one outbox row per member (the campaign), then times
     `Dispatcher.run_once()` rounds until every delivery is sent, and checks that every subscription received
     exactly one message that decrypts to the campaign's text;
  5. in the same conditions, times the naive loop a tutorial would write, on --baseline other subscriptions
     (--baseline-at-0 at 0 ms latency, where it is fast and a short run gives a jumpy rate):
     `for sub in subs: pywebpush.webpush(sub, data, vapid_private_key=KEY, vapid_claims={"sub": ...})`,
     synchronous, one after another, a new requests connection, key parse and VAPID signature per call;
  6. prints deliveries per second for both, the ratio (the issue's target: at least 4x), CPU per message
     for this process, the fake service and PostgreSQL, and the dispatcher's peak memory: the growth of this
     process's maximum RSS during the timed runs, and the tracemalloc peak of a separate, untimed run
     (tracemalloc slows every allocation, so it never runs while a rate is measured). --profile FILE also
     runs an untimed campaign at 0 ms under cProfile and writes the stats to FILE (python -m pstats FILE).

The naive loop is given its subscriptions in memory (no database work, no result bookkeeping); the
dispatcher reads the outbox, applies the push policy (consent, quiet hours, weekly cap) per member, fans
out, claims with SKIP LOCKED and records every answer, and each of its messages carries its own receipt
token. The dispatcher gets a FrozenClock at midday in Oslo (outside quiet hours), moved 15 days before each
campaign so the weekly marketing cap lets each through. The dispatcher, PostgreSQL and the fake share the
machine's cores: read the figures as a ratio measured under the same conditions. The database and the fake
service are removed even when the run fails or is interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository root, for backend, digital_stampcard, benchmarks
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from benchmarks.common import (  # noqa: E402
    add_pg_admin_argument,
    postgres_cpu_seconds,
    proc_cpu_seconds,
    run_script,
    scratch_database,
)
from digital_stampcard.notifications import Kind  # noqa: E402

OSLO = ZoneInfo("Europe/Oslo")
SUBJECT = "mailto:push@digital-stampcard.example"
# Campaigns in one run are this far apart on the injected clock, so the weekly marketing cap (2 per 7 days,
# counted a week either side) never skips one.
CAMPAIGN_SPACING_DAYS = 15
CAMPAIGN = {"title": "Vaffeltorsdag", "body": "Halv pris på vafler i dag, kun i appen.", "navigate": "/"}


# ---------------------------------------------------------------- the fake push service, in its own process


def _fake_host(conn: Any, decrypt: bool) -> None:
    """The child process: runs FakePushService and answers the parent's requests over a pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it stops us
    from tests.push.fake_push_service import FakePushService

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        async with FakePushService(decrypt=decrypt) as push:
            conn.send(push.origin)
            while True:
                try:
                    command, *args = await loop.run_in_executor(None, conn.recv)
                except (EOFError, OSError):
                    return  # the parent is gone
                if command == "stop":
                    conn.send(None)
                    return
                if command == "subscribe":
                    count, key = args
                    subs = push.new_subscriptions(count, application_server_key=key)
                    conn.send([(s.id, s.info) for s in subs])
                elif command == "latency":
                    push.latency = args[0]
                    conn.send(None)
                elif command == "reset":
                    push.reset()
                    conn.send(None)
                elif command == "summary":
                    conn.send(_summary(push, *args))
                else:
                    conn.send(ValueError(f"unknown command {command!r}"))

    asyncio.run(serve())


def _summary(push: Any, ids: list[str], title: str, tag: str) -> dict[str, Any]:
    per_sub = Counter(len(push.received_for(sid)) for sid in ids)
    wrong = 0
    for message in push.received:
        note = (message.json or {}).get("notification", {})
        if note.get("title") != title or note.get("tag") != tag:
            wrong += 1
    refusals = Counter(f"{a.status} {a.reason[:90]}" for a in push.refused)
    return {
        "received": len(push.received),
        "per_subscription": dict(per_sub),
        "wrong_payload": wrong,
        "refusals": dict(refusals.most_common(5)),
        "jwt_verifications": push.jwt_verifications,
    }


class FakeService:
    """The parent's handle on the fake push service process."""

    def __init__(self, decrypt: bool) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_fake_host, args=(child, decrypt), daemon=True, name="fake-push-service")
        self.origin = ""

    async def call(self, *command: Any, wait: float = 120) -> Any:
        def roundtrip() -> Any:
            self.conn.send(command)
            if not self.conn.poll(wait):
                raise RuntimeError(f"the fake push service did not answer {command[0]!r} within {wait:.0f} s")
            return self.conn.recv()

        answer = await asyncio.to_thread(roundtrip)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def start(self) -> None:
        self.process.start()
        if not await asyncio.to_thread(self.conn.poll, 60):
            raise RuntimeError("the fake push service did not start within 60 s")
        self.origin = self.conn.recv()

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.process.pid) if self.process.pid else 0.0

    def stop(self) -> None:
        if self.process.pid is None:
            return
        if self.process.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self.conn.send(("stop",))
                self.conn.poll(5)
            self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.conn.close()


# ---------------------------------------------------------------- measurement helpers


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


@dataclass
class Run:
    path: str
    latency: float
    messages: int
    concurrency: int
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds per process group
    rounds: int = 0
    sending: float = 0.0  # dispatcher: seconds in which a claimed batch was being sent (and recorded)

    @property
    def not_sending(self) -> float:
        """Seconds of the run with no batch in flight: claims, and fan-outs with nothing to overlap."""
        return self.wall - self.sending

    maxrss_growth: float = 0.0  # MiB

    @property
    def rate(self) -> float:
        return self.messages / self.wall if self.wall else 0.0


class CpuMeter:
    def __init__(self, fake: FakeService) -> None:
        self.fake = fake

    def read(self) -> dict[str, float]:
        return {"self": time.process_time(), "fake": self.fake.cpu_seconds(), "pg": postgres_cpu_seconds()}

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {k: after[k] - before[k] for k in before}


class CheckFailed(RuntimeError):
    pass


def check_delivery(summary: dict[str, Any], expected: int, what: str) -> None:
    per_sub = {int(k): v for k, v in summary["per_subscription"].items()}
    problems = []
    if per_sub != {1: expected}:
        problems.append(f"messages per subscription {dict(sorted(per_sub.items()))} (want {{1: {expected}}})")
    if summary["received"] != expected:
        problems.append(f"{summary['received']} messages received, want {expected}")
    if summary["wrong_payload"]:
        problems.append(f"{summary['wrong_payload']} payloads with the wrong text")
    if summary["refusals"]:
        problems.append(f"refusals: {summary['refusals']}")
    if problems:
        raise CheckFailed(f"{what}: " + "; ".join(problems))


# ---------------------------------------------------------------- database


SEED_MEMBERS = """
INSERT INTO member (member_number, phone, email, first_name, interests, lang, push_service_enabled, tier_code,
                    tier_review_at, joined_at)
SELECT 'P' || lpad(n::text, 8, '0'), NULL, NULL, NULL, '[]', 'nb', true, 'bronse',
       $2::timestamptz + interval '365 days', $2::timestamptz
FROM generate_series(1, $1::int) AS n
ORDER BY n
RETURNING id
"""


async def seed(
    connection: asyncpg.Connection, subs: list[tuple[str, dict[str, Any]]], key_id: str, now: datetime
) -> list[int]:
    """Members, one subscription each and consent to marketing push. Returns the member ids, in subs order."""
    member_ids = [row["id"] for row in await connection.fetch(SEED_MEMBERS, len(subs), now)]
    await connection.copy_records_to_table(
        "push_subscription",
        columns=["member", "endpoint", "p256dh", "auth", "vapid_key_id", "user_agent", "created_at", "last_seen_at"],
        records=[
            (mid, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], key_id, "bench", now, now)
            for mid, (_, info) in zip(member_ids, subs, strict=True)
        ],
    )
    await connection.copy_records_to_table(
        "consent_event",
        columns=["member", "purpose", "granted", "text_version", "source", "created_at"],
        records=[
            (mid, purpose, True, "bench-1", "bench", now)
            for mid in member_ids
            for purpose in ("terms", "marketing_push")
        ],
    )
    await connection.execute("ANALYZE")
    return member_ids


async def enqueue_campaign(
    connection: asyncpg.Connection, member_ids: list[int], kind: Kind, campaign_id: int, now: datetime
) -> dict[str, Any]:
    """One outbox row per member, as a campaign send (or a burst of stamps) would write them."""
    from digital_stampcard.notifications import dedupe_key

    if kind == "campaign":
        data = {**CAMPAIGN, "campaign_id": campaign_id}
    else:  # stamp_received: the text needs the card's counts
        data = {"stamps": 3, "capacity": 10, "left": 7, "ref": campaign_id}
    text = json.dumps(data)
    await connection.copy_records_to_table(
        "notification",
        columns=["member", "kind", "dedupe_key", "data", "created_at", "due_at", "status"],
        records=[
            (mid, kind, dedupe_key(kind, mid, f"bench-{campaign_id}"), text, now, now, "pending") for mid in member_ids
        ],
    )
    await connection.execute("ANALYZE notification")
    return data


# ---------------------------------------------------------------- the two paths


async def dispatcher_campaign(
    ctx: Any,
    args: argparse.Namespace,
    count: int,
    latency: float,
    meter: CpuMeter,
    *,
    trace: bool = False,
    profiler: cProfile.Profile | None = None,
) -> tuple[Run, float]:
    """Runs Dispatcher.run_once() until a round finds nothing to do. Returns the run and the tracemalloc peak."""
    from backend.push.dispatcher import Dispatcher

    run = Run("dispatcher (outbox, run_once)", latency, count, args.concurrency)
    peak = 0.0
    async with Dispatcher(ctx, ctx.vapid, concurrency=args.concurrency, batch=args.batch) as dispatcher:
        # Time the sends (on this instance only); the rest of the wall time nothing was in flight.
        dispatcher.send = _timed(dispatcher.send, run)  # type: ignore[method-assign,assignment]
        rss_before = maxrss_mib()
        if trace:
            tracemalloc.start()
        if profiler is not None:
            profiler.enable()
        before = meter.read()
        started = time.perf_counter()
        deadline = started + args.timeout
        while await dispatcher.run_once():
            run.rounds += 1
            if time.perf_counter() > deadline:
                raise CheckFailed(f"the dispatcher had not finished after {args.timeout:.0f} s ({run.rounds} rounds)")
        run.wall = time.perf_counter() - started
        run.cpu = CpuMeter.delta(before, meter.read())
        if profiler is not None:
            profiler.disable()
        if trace:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        run.maxrss_growth = maxrss_mib() - rss_before
    return run, peak


def _timed(method: Callable[[Any], Awaitable[None]], run: Run) -> Callable[[Any], Awaitable[None]]:
    async def timed(claimed: Any) -> None:
        started = time.perf_counter()
        try:
            await method(claimed)
        finally:
            run.sending += time.perf_counter() - started

    return timed


def naive_loop(
    subs: list[dict[str, Any]], data: str, private_key: str, ttl: int, stop: threading.Event
) -> tuple[int, list[str]]:
    """What a tutorial does: one synchronous webpush() per subscription, one after another."""
    from pywebpush import WebPushException, webpush

    sent, errors = 0, []
    for info in subs:
        if stop.is_set():
            break
        try:
            webpush(
                subscription_info=info,
                data=data,
                vapid_private_key=private_key,
                vapid_claims={"sub": SUBJECT},  # a fresh dict per call: webpush() writes aud and exp into it
                ttl=ttl,  # the tutorial default 0 would drop the message for an offline phone
                timeout=15,
            )
            sent += 1
        except (WebPushException, OSError) as exc:
            errors.append(str(exc)[:200])
    return sent, errors


async def naive_baseline(
    subs: list[dict[str, Any]], data: str, private_key: str, ttl: int, latency: float, meter: CpuMeter
) -> Run:
    run = Run("naive webpush() loop", latency, len(subs), 1)
    stop = threading.Event()
    before = meter.read()
    started = time.perf_counter()
    try:
        sent, errors = await asyncio.to_thread(naive_loop, subs, data, private_key, ttl, stop)
    finally:
        stop.set()  # on cancellation the thread stops after the request in flight
    run.wall = time.perf_counter() - started
    run.cpu = CpuMeter.delta(before, meter.read())
    if errors:
        raise CheckFailed(f"naive loop: {len(errors)} of {len(subs)} pushes failed, first: {errors[0]}")
    run.messages = sent
    return run


# ---------------------------------------------------------------- the run


def report(
    args: argparse.Namespace, pairs: list[tuple[Run, Run]], traced: tuple[int, float] | None, base_rss: float
) -> None:
    print()
    print(
        f"push {args.kind} to {args.subscriptions} subscriptions on PostgreSQL: dispatcher concurrency "
        f"{args.concurrency}, batch {args.batch}; naive loop on {args.baseline} other subscriptions "
        f"({args.baseline_at_0} at 0 ms); "
        f"fake push service in its own process, decrypt on; {os.cpu_count()} CPUs"
    )
    print()
    header = (
        f"{'path':<30} {'latency':>8} {'messages':>8} {'conc':>5} {'rounds':>6} {'wall s':>8} {'idle s':>8}"
        f" {'msg/s':>9} {'self':>6} {'fake':>6} {'pg':>6}"
    )
    print(header)
    print(f"{'':<30} {'':>8} {'':>8} {'':>5} {'':>6} {'':>8} {'':>8} {'':>9} {'CPU ms per message':>20}")
    print("-" * len(header))
    for pair in pairs:
        for run in pair:
            cpu = " ".join(f"{run.cpu[k] * 1000 / max(run.messages, 1):6.2f}" for k in ("self", "fake", "pg"))
            rounds = str(run.rounds) if run.rounds else "-"
            phase = f"{run.not_sending:8.2f}" if run.rounds else f"{'-':>8}"
            print(
                f"{run.path:<30} {run.latency * 1000:6.0f}ms {run.messages:>8} {run.concurrency:>5} {rounds:>6}"
                f" {run.wall:8.2f} {phase} {run.rate:9.1f} {cpu}"
            )
    print("-" * len(header))
    for ours, naive in pairs:
        verdict = "meets" if ours.rate >= 4 * naive.rate else "MISSES"
        print(
            f"ratio dispatcher / naive at {ours.latency * 1000:.0f} ms latency: {ours.rate / naive.rate:6.1f}x "
            f"({verdict} the 4x target)"
        )
    print()
    growth = max(run.maxrss_growth for run, _ in pairs)
    print(
        f"dispatcher memory: max RSS of this process {maxrss_mib():.0f} MiB ({base_rss:.0f} MiB before the first "
        f"timed run, growth during a timed campaign at most {growth:.1f} MiB)"
    )
    if traced is not None:
        print(
            f"dispatcher memory: tracemalloc peak {traced[1]:.1f} MiB over a separate untimed campaign of {traced[0]} "
            f"messages at 0 ms latency"
        )
    print()
    print(
        "Every subscription received exactly one message that decrypted to the expected text (checked by the fake "
        "push service, which also verified every VAPID JWT). 'self' is this process (the dispatcher, or the naive "
        "loop), 'fake' the push service process, 'pg' every postgres process on the machine. The latency is a sleep "
        "in the fake service per request, modelling a network round trip; it applies to both paths. 'idle s' is "
        "the dispatcher's time with no batch in flight (claiming, or fanning out with nothing to send meanwhile; "
        "the fan-out of the next batch otherwise runs while one is sent). The 0 ms campaign "
        "runs on tables that already hold the first campaign's rows, as a later campaign would in production."
    )


async def _no_reset(_: object) -> None:
    return None


async def bench(args: argparse.Namespace, database_url: str, fake: FakeService) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from backend.clock import FrozenClock
    from backend.context import AppContext
    from backend.db import make_engine, migrate
    from backend.messaging.senders import make_sender
    from backend.push.vapid import load_identity, new_private_key
    from backend.ratelimit import make_rate_limiter
    from backend.settings import Settings
    from digital_stampcard import notifications as rules

    private_key, _public = new_private_key()
    settings = Settings(environment="test", database_url=database_url, vapid_private_key=private_key)
    # Midday in Oslo: a campaign is not held back by quiet hours (21:00-09:00). The clock only dates the
    # outbox rows and the claims; VAPID signing and the fake's exp checks use the wall clock.
    local_noon = datetime.now(OSLO).replace(hour=12, minute=0, second=0, microsecond=0)
    clock = FrozenClock(local_noon.astimezone(UTC))
    engine = make_engine(database_url)
    assert isinstance(engine, PostgresEngine)
    with contextlib.redirect_stdout(io.StringIO()):  # piccolo prints a banner per app
        await migrate(engine)
    # As the app starts its pool (backend/app.py): no RESET round trip on each release.
    await engine.start_connection_pool(max_size=settings.db_pool_size, reset=_no_reset)
    try:
        ctx = AppContext(settings, engine, clock, make_rate_limiter(""), make_sender(settings, clock, engine))
        ctx.vapid = load_identity(settings)
        assert ctx.vapid is not None

        naive_count = max(args.baseline, args.baseline_at_0)
        print(
            f"starting the fake push service; making {args.subscriptions + naive_count} subscriptions ...", flush=True
        )
        await fake.start()
        subs = await fake.call("subscribe", args.subscriptions, ctx.vapid.application_server_key)
        naive_subs = await fake.call("subscribe", naive_count, ctx.vapid.application_server_key)
        connection = await asyncpg.connect(database_url)
        try:
            print(
                f"inserting {args.subscriptions} members, subscriptions and consents (set-up, not timed) ...",
                flush=True,
            )
            member_ids = await seed(connection, subs, ctx.vapid.key_id, clock.now() - timedelta(days=1))
            sub_ids = [sid for sid, _ in subs]
            meter = CpuMeter(fake)
            base_rss = maxrss_mib()
            pairs: list[tuple[Run, Run]] = []
            campaign_id = 0
            for latency in dict.fromkeys([args.latency, 0.0]):
                naive_ids = {sid for sid, _ in naive_subs[: args.baseline if latency else args.baseline_at_0]}
                await fake.call("latency", latency)
                campaign_id += 1
                clock.advance(days=CAMPAIGN_SPACING_DAYS)
                data = await enqueue_campaign(connection, member_ids, args.kind, campaign_id, clock.now())
                note = rules.render(args.kind, "nb", data)
                payload = json.dumps(rules.declarative_payload(note, origin=settings.public_url))
                ttl = rules.delivery_for(args.kind).ttl

                await fake.call("reset")
                print(
                    f"timing the dispatcher: {args.subscriptions} messages at {latency * 1000:.0f} ms latency ...",
                    flush=True,
                )
                ours, _ = await dispatcher_campaign(ctx, args, args.subscriptions, latency, meter)
                summary = await fake.call("summary", sub_ids, note.title, note.tag)
                check_delivery(summary, args.subscriptions, f"dispatcher at {latency * 1000:.0f} ms")
                states = await connection.fetch("SELECT status, count(*) FROM push_delivery GROUP BY status")
                sent = {r["status"]: r["count"] for r in states}
                if sent != {"sent": args.subscriptions * campaign_id}:
                    raise CheckFailed(f"push_delivery states after the run: {sent}")

                await fake.call("reset")
                print(
                    f"timing the naive loop: {len(naive_ids)} messages at {latency * 1000:.0f} ms latency ...",
                    flush=True,
                )
                naive = await naive_baseline(
                    [info for sid, info in naive_subs if sid in naive_ids], payload, private_key, ttl, latency, meter
                )
                summary = await fake.call("summary", sorted(naive_ids), note.title, note.tag)
                check_delivery(summary, len(naive_ids), f"naive loop at {latency * 1000:.0f} ms")
                pairs.append((ours, naive))

            traced = None
            if args.traced:
                count = min(args.traced, args.subscriptions)
                campaign_id += 1
                clock.advance(days=CAMPAIGN_SPACING_DAYS)
                await fake.call("latency", 0.0)
                data = await enqueue_campaign(connection, member_ids[:count], args.kind, campaign_id, clock.now())
                note = rules.render(args.kind, "nb", data)
                await fake.call("reset")
                print(f"measuring dispatcher memory with tracemalloc: {count} messages (not timed) ...", flush=True)
                _, peak = await dispatcher_campaign(ctx, args, count, 0.0, meter, trace=True)
                summary = await fake.call("summary", sub_ids[:count], note.title, note.tag)
                check_delivery(summary, count, "traced dispatcher run")
                traced = (count, peak)

            if args.profile:
                count = min(args.traced or 2000, args.subscriptions)
                campaign_id += 1
                clock.advance(days=CAMPAIGN_SPACING_DAYS)
                await fake.call("latency", 0.0)
                data = await enqueue_campaign(connection, member_ids[:count], args.kind, campaign_id, clock.now())
                note = rules.render(args.kind, "nb", data)
                await fake.call("reset")
                print(f"profiling the dispatcher with cProfile: {count} messages (not timed) ...", flush=True)
                profiler = cProfile.Profile()
                await dispatcher_campaign(ctx, args, count, 0.0, meter, profiler=profiler)
                summary = await fake.call("summary", sub_ids[:count], note.title, note.tag)
                check_delivery(summary, count, "profiled dispatcher run")
                profiler.dump_stats(args.profile)
                print(f"profile written to {args.profile} (read it with: python -m pstats {args.profile})")
        finally:
            await connection.close()
    finally:
        from backend.db import close_pool

        await close_pool(engine)
    report(args, pairs, traced, base_rss)


async def run_all(args: argparse.Namespace) -> int:
    """Creates the database, runs the benchmark, and always stops the fake service and drops the database."""
    try:
        async with scratch_database(args.pg_admin_url) as database_url:
            os.environ["DATABASE_URL"] = database_url  # piccolo_conf builds its engine from it on import
            fake = FakeService(decrypt=True)
            try:
                await bench(args, database_url, fake)
                return 0
            finally:
                fake.stop()
    except (CheckFailed, RuntimeError, OSError, asyncpg.PostgresError) as exc:
        print(f"\nbenchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscriptions", type=int, default=10_000, help="campaign size (default 10000)")
    parser.add_argument(
        "--baseline", type=int, default=300, help="messages for the naive loop at --latency (default 300)"
    )
    parser.add_argument(
        "--baseline-at-0",
        type=int,
        default=2000,
        help="messages for the naive loop at 0 ms latency (default 2000)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.02,
        help="seconds the fake service sleeps per request (default 0.02); a second pair of runs at 0 always follows",
    )
    parser.add_argument("--concurrency", type=int, default=64, help="dispatcher requests in flight (default 64)")
    parser.add_argument("--batch", type=int, default=500, help="dispatcher rows per round (default 500)")
    parser.add_argument(
        "--kind",
        choices=["campaign", "stamp_received"],
        default="campaign",
        help="outbox kind: campaign (marketing: consent checked) or stamp_received (default campaign)",
    )
    parser.add_argument(
        "--traced",
        type=int,
        default=2000,
        help="messages in the separate tracemalloc run (0: skip it; default 2000)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="also run a separate, untimed campaign at 0 ms latency (the --traced size, or 2000) under cProfile "
        "and write the stats to FILE",
    )
    parser.add_argument("--timeout", type=float, default=600, help="give up a dispatcher run after this many seconds")
    add_pg_admin_argument(parser)
    args = parser.parse_args(argv)
    if min(args.subscriptions, args.baseline, args.baseline_at_0, args.concurrency, args.batch) < 1:
        parser.error("--subscriptions, --baseline, --baseline-at-0, --concurrency and --batch must be at least 1")
    if args.latency < 0 or args.traced < 0:
        parser.error("--latency and --traced cannot be negative")
    return run_script(run_all(args))


if __name__ == "__main__":
    sys.exit(main())
