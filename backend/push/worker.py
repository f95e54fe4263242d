"""Running the dispatcher: inside `stampcard serve` by default, or as `stampcard worker` processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from backend.context import AppContext
from backend.push.dispatcher import Dispatcher

log = logging.getLogger("stampcard.push")


@contextlib.asynccontextmanager
async def running_dispatcher(ctx: AppContext, *, enabled: bool) -> AsyncIterator[None]:
    if not enabled or ctx.vapid is None:
        yield
        return
    stop = asyncio.Event()
    async with Dispatcher(ctx, ctx.vapid, concurrency=ctx.settings.push_concurrency) as dispatcher:
        task = asyncio.create_task(dispatcher.run_forever(stop))
        try:
            yield
        finally:
            stop.set()
            await task  # finishes the round in flight; anything unsent stays in the outbox


async def run_worker(ctx: AppContext, stop: asyncio.Event) -> None:
    if ctx.vapid is None:
        raise SystemExit("Push is not set up: set VAPID_PRIVATE_KEY (see `stampcard vapid`).")
    async with Dispatcher(ctx, ctx.vapid, concurrency=ctx.settings.push_concurrency) as dispatcher:
        log.info("push worker started")
        await dispatcher.run_forever(stop)
