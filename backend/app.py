"""create_app(settings): the whole web app, with nothing read at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar, get
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components
from piccolo.engine.postgres import PostgresEngine

from backend.clock import Clock
from backend.context import AppContext
from backend.db import bind_engine, close_pool, make_engine, migrate
from backend.errors import EXCEPTION_HANDLERS
from backend.integrations.pos_controllers import POS_TAG, SECURITY_SCHEMES
from backend.messaging.senders import make_sender
from backend.push.vapid import load_identity
from backend.push.worker import running_dispatcher
from backend.ratelimit import make_rate_limiter
from backend.routes import route_handlers
from backend.settings import Settings
from backend.web.security import SecurityMiddleware


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


async def _keep_connection(_: object) -> None:
    return None


def _allowed_hosts(settings: Settings) -> list[str]:
    # Litestar compares the whole Host header, port included.
    hosts = {*settings.allowed_hosts, urlsplit(settings.public_url).netloc}
    hosts |= {f"{h}:{settings.port}" for h in settings.allowed_hosts}
    if settings.environment == "test":
        hosts.add("testserver.local")
    return sorted(hosts)


def create_app(
    settings: Settings, *, clock: Clock | None = None, run_migrations: bool = True, start_dispatcher: bool = True
) -> Litestar:
    settings.check()
    engine = make_engine(settings.database_url)
    clock = clock or Clock()
    ctx = AppContext(settings, engine, clock, make_rate_limiter(settings.redis_url), make_sender(settings, clock))
    ctx.vapid = load_identity(settings)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        bind_engine(engine)
        if run_migrations:
            await migrate(engine)  # embedded mode; production runs `stampcard migrate` as its own step
        if isinstance(engine, PostgresEngine):
            # No RESET ALL / UNLISTEN round trips on every release: we use no session state,
            # and asyncpg still rolls back a connection released mid-transaction.
            await engine.start_connection_pool(max_size=settings.db_pool_size, reset=_keep_connection)
        try:
            in_process = start_dispatcher and settings.push_dispatcher == "inprocess"
            async with running_dispatcher(ctx, enabled=in_process):
                yield
        finally:
            if isinstance(engine, PostgresEngine):
                await close_pool(engine)
            await ctx.limiter.close()

    handlers: list[Any] = [health, *route_handlers(dev_tools=settings.dev_tools_enabled)]
    hosts = _allowed_hosts(settings)
    return Litestar(
        route_handlers=handlers,
        dependencies={"ctx": Provide(lambda: ctx, sync_to_thread=False, use_cache=True)},
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[SecurityMiddleware(settings)],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.is_production,
            cookie_samesite="lax",
            header_name="x-csrftoken",
            safe_methods={"GET", "HEAD", "OPTIONS"},
        ),
        allowed_hosts=AllowedHostsConfig(allowed_hosts=hosts),
        openapi_config=OpenAPIConfig(
            title="Digital Stampcard API",
            version="0.1.0",
            path="/api/docs",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            components=Components(security_schemes=SECURITY_SCHEMES),  # the POS API's bearer key
            tags=[POS_TAG],
        ),
        state={"ctx": ctx},
        logging_config=None,
        debug=False,
    )
