"""The one start-up path: the app, every CLI command, the worker and the demo loader open their
context here, so each honours the same settings (database, pool, REDIS_URL, sender, VAPID key)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from piccolo.engine.postgres import PostgresEngine

from backend.clock import Clock
from backend.context import AppContext
from backend.db import (
    SQLITE_IDLE_CONNECTIONS,
    TunedSQLiteEngine,
    bind_engine,
    close_pool,
    count_statements,
    make_engine,
    migrate,
)
from backend.messaging.senders import make_sender
from backend.push.vapid import load_identity
from backend.ratelimit import make_rate_limiter
from backend.settings import Settings


def build_context(settings: Settings, clock: Clock | None = None) -> AppContext:
    """Everything the app needs, not yet connected (nothing is opened until `started`)."""
    clock = clock or Clock()
    engine = make_engine(settings.database_url)
    ctx = AppContext(
        settings, engine, clock, make_rate_limiter(settings.redis_url), make_sender(settings, clock, engine)
    )
    ctx.vapid = load_identity(settings)
    return ctx


async def _keep_connection(_: object) -> None:
    return None


@asynccontextmanager
async def started(
    ctx: AppContext, *, run_migrations: bool = False, pool_size: int | None = None
) -> AsyncIterator[AppContext]:
    """Binds the tables to the context's database, migrates when asked (embedded mode; production
    runs `stampcard migrate` as its own step) and opens the pool; closes it all on the way out."""
    engine = ctx.engine
    bind_engine(engine)
    if run_migrations:
        await migrate(engine)
    if isinstance(engine, PostgresEngine):
        # No RESET ALL / UNLISTEN round trips on every release: we use no session state,
        # and asyncpg still rolls back a connection released mid-transaction.
        # min_size 1: asyncpg's default of 10 refuses any smaller pool, and idle connections cost the server.
        size = pool_size or ctx.settings.db_pool_size
        await engine.start_connection_pool(min_size=1, max_size=size, reset=_keep_connection, init=count_statements)
    elif isinstance(engine, TunedSQLiteEngine):
        engine.keep_idle = SQLITE_IDLE_CONNECTIONS  # closed below
    try:
        yield ctx
    finally:
        if isinstance(engine, PostgresEngine):
            await close_pool(engine)
        elif isinstance(engine, TunedSQLiteEngine):
            await engine.close_connections()
        await ctx.limiter.close()
        await ctx.sender.close()


def open_context(
    settings: Settings, *, clock: Clock | None = None, run_migrations: bool = False, pool_size: int | None = None
) -> AbstractAsyncContextManager[AppContext]:
    """`async with open_context(settings) as ctx:` for a command or a worker."""
    return started(build_context(settings, clock), run_migrations=run_migrations, pool_size=pool_size)
