"""Running the dispatcher: inside `stampcard serve` by default, or as `stampcard worker` processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from backend.context import AppContext
from backend.push.dispatcher import Dispatcher

log = logging.getLogger("stampcard.push")
WAVES_PER_BATCH = 8  # a claim takes this many waves of PUSH_CONCURRENCY sends (512 by default)


def _dispatcher(ctx: AppContext) -> Dispatcher:
    assert ctx.vapid is not None
    concurrency = ctx.settings.push_concurrency
    return Dispatcher(ctx, ctx.vapid, concurrency=concurrency, batch=concurrency * WAVES_PER_BATCH)


@contextlib.asynccontextmanager
async def running_dispatcher(ctx: AppContext, *, enabled: bool) -> AsyncIterator[None]:
    if not enabled or ctx.vapid is None:
        yield
        return
    stop = asyncio.Event()
    async with _dispatcher(ctx) as dispatcher:
        task = asyncio.create_task(dispatcher.run_forever(stop))
        try:
            yield
        finally:
            stop.set()
            await task  # finishes the round in flight; anything unsent stays in the outbox


async def run_worker(ctx: AppContext, stop: asyncio.Event) -> None:
    if ctx.vapid is None:
        raise SystemExit("Push is not set up: set VAPID_PRIVATE_KEY (see `stampcard vapid`).")
    async with _dispatcher(ctx) as dispatcher:
        log.info("push worker started")
        await dispatcher.run_forever(stop)  # on SIGTERM: finishes the round in flight, every send recorded
        log.info("push worker stopped")
