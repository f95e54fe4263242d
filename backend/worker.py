"""The background loop, one for every job: owner campaigns whose time has come, the calendar's
messages (`backend/schedules.py`), push deliveries and webhook deliveries, and folding the
dashboard's append-only rollups (`backend/dashboard/rollups.py`). Each job works from its
own leased outbox, so several workers share the work and a killed one loses nothing. Runs inside
`stampcard serve` by default, or as `stampcard worker` processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp

from backend import schedules
from backend.campaigns.release import release_due
from backend.context import AppContext
from backend.dashboard.rollups import fold_all
from backend.db import is_unreachable
from backend.integrations import webhooks
from backend.outbox_depth import refresh_outboxes
from backend.points import expiry as points_expiry
from backend.push.dispatcher import Dispatcher
from backend.push.messages import MessageDispatcher

log = logging.getLogger("stampcard.worker")
WAVES_PER_BATCH = 8  # a claim takes this many waves of PUSH_CONCURRENCY sends (512 by default)
SCAN_EVERY = timedelta(minutes=10)  # the calendar's messages are found this often
FOLD_EVERY = timedelta(minutes=1)  # the dashboard rollups' rows of a key are folded into one this often
GAUGES_EVERY = timedelta(seconds=15)  # the outbox depth gauges, as often as Prometheus usually scrapes
# After SIGTERM a worker finishes the round in flight (every send recorded) and exits within this;
# compose's stop_grace_period for workers is set to it.
STOP_GRACE_SECONDS = 25
OUTAGE_RETRY_SECONDS = (1, 2, 4, 8)  # while the database is unreachable, then every 8 s


class Worker:
    def __init__(self, ctx: AppContext, *, concurrency: int | None = None, batch: int | None = None) -> None:
        assert ctx.vapid is not None
        self.ctx = ctx
        concurrency = concurrency or ctx.settings.push_concurrency
        self.push = Dispatcher(ctx, ctx.vapid, concurrency=concurrency, batch=batch or concurrency * WAVES_PER_BATCH)
        self.messages = MessageDispatcher(ctx, concurrency=concurrency, batch=batch or concurrency * WAVES_PER_BATCH)
        self.webhook_session: aiohttp.ClientSession | None = None
        self.failed_rounds = 0  # in a row, with the database unreachable

    async def __aenter__(self) -> Worker:
        await self.push.__aenter__()
        self.webhook_session = webhooks.open_session(self.ctx)  # its own: every name is checked as it is resolved
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.webhook_session is not None:
            await self.webhook_session.close()
        await self.messages.close()
        await self.push.__aexit__(*exc)

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Rounds until `stop` is set. A round in flight always ends with every send recorded, and what
        it had not started is given back to the outbox."""
        stopping = asyncio.create_task(self._stop_sending_on(stop))
        try:
            await self._rounds(stop, idle_seconds)
        finally:
            stopping.cancel()

    async def _stop_sending_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.push.stopping.set()
        self.messages.stopping.set()

    async def _rounds(self, stop: asyncio.Event, idle_seconds: float) -> None:
        next_scan = next_gauges = next_fold = self.ctx.clock.now()
        while not stop.is_set():
            if self.ctx.clock.now() >= next_fold:
                next_fold = self.ctx.clock.now() + FOLD_EVERY
                try:
                    await fold_all()
                except Exception as exc:
                    if not is_unreachable(exc):
                        log.exception("folding the dashboard rollups failed")
            if self.ctx.clock.now() >= next_gauges:  # for this worker's own metrics listener
                next_gauges = self.ctx.clock.now() + GAUGES_EVERY
                with contextlib.suppress(Exception):  # the database may be down: the next round says so
                    await refresh_outboxes(self.ctx.clock.now())
            if self.ctx.clock.now() >= next_scan:
                next_scan = self.ctx.clock.now() + SCAN_EVERY  # a failing scan must not stop the sending
                try:
                    await schedules.enqueue_due(self.ctx, self.ctx.clock.now())
                    await points_expiry.expire_and_remind(self.ctx, self.ctx.clock.now())
                except Exception as exc:
                    if not is_unreachable(exc):  # an outage is the round's to report
                        log.exception("scan for time-based push messages failed")
            try:
                busy = await self.run_once()
            except Exception as exc:  # keep the loop alive; the outboxes keep the work
                busy = 0
                self._round_failed(exc)
            else:
                self._round_done()
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._pause(idle_seconds))

    def _round_failed(self, exc: Exception) -> None:
        if not is_unreachable(exc):
            log.exception("worker round failed")
            return
        if self.failed_rounds == 0:  # one warning per outage, not one per round
            log.warning("database unreachable; the worker waits and tries again (%s: %s)", type(exc).__name__, exc)
        self.failed_rounds += 1

    def _round_done(self) -> None:
        if self.failed_rounds:
            log.warning("database is back after %d failed rounds; sending again", self.failed_rounds)
            self.failed_rounds = 0

    def _pause(self, idle_seconds: float) -> float:
        if not self.failed_rounds:
            return idle_seconds
        return OUTAGE_RETRY_SECONDS[min(self.failed_rounds, len(OUTAGE_RETRY_SECONDS)) - 1]

    async def run_once(self) -> int:
        """One round of every job. Returns how much was done (0: nothing to do)."""
        released = await release_due(self.ctx, self.ctx.clock.now())  # owner campaigns whose time has come
        pushed = await self.push.run_once()  # fans out what is due to every channel, then sends the pushes
        if self.push.stopping.is_set():  # the e-mails, SMS and webhooks wait for the next worker
            return released + pushed
        messaged = await self.messages.run_once()  # the e-mails and SMS
        assert self.webhook_session is not None
        delivered = await webhooks.deliver_due(self.ctx, self.webhook_session)  # the same outbox pattern, for the shop
        return released + pushed + messaged + delivered


@contextlib.asynccontextmanager
async def running_worker(ctx: AppContext, *, enabled: bool) -> AsyncIterator[None]:
    """The worker inside the web process, stopped with it."""
    if not enabled or ctx.vapid is None:
        yield
        return
    stop = asyncio.Event()
    async with Worker(ctx) as worker:
        task = asyncio.create_task(worker.run_forever(stop))
        try:
            yield
        finally:
            stop.set()
            await task  # finishes the round in flight; anything unsent stays in the outbox


async def run_worker(ctx: AppContext, stop: asyncio.Event) -> None:
    if ctx.vapid is None:
        raise SystemExit("Push is not set up: set VAPID_PRIVATE_KEY (see `stampcard vapid`).")
    async with Worker(ctx) as worker:
        log.info("worker started")
        await worker.run_forever(stop)  # on SIGTERM: finishes the round in flight, every send recorded
        log.info("worker stopped")
