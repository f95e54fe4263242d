"""create_app(settings): the whole web app, with nothing read at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components

from backend import logs
from backend.clock import Clock
from backend.errors import EXCEPTION_HANDLERS
from backend.health import health, ready
from backend.observability import metrics_endpoint
from backend.pos.controllers import POS_TAG, SECURITY_SCHEMES
from backend.routes import route_handlers
from backend.settings import Settings, settings_from_env
from backend.startup import build_context, started
from backend.web.json_body import JsonSafeRequest
from backend.web.request_context import RequestContextMiddleware
from backend.web.security import SecurityMiddleware, security_headers_hook
from backend.web.server_time import server_time_hook
from backend.worker import running_worker


def _allowed_hosts(settings: Settings) -> list[str]:
    # Litestar compares the whole Host header, port included.
    hosts = {*settings.allowed_hosts, urlsplit(settings.public_url).netloc}
    hosts |= {f"{h}:{settings.port}" for h in settings.allowed_hosts}
    if settings.environment == "test":
        hosts.add("testserver.local")
    return sorted(hosts)


def app_from_env() -> Litestar:
    """What each server process of `stampcard serve` runs: it reads the same environment, and
    `stampcard serve` has already migrated (or production's own step did)."""
    settings = settings_from_env()
    logs.configure(settings)
    return create_app(settings, run_migrations=False)


def create_app(
    settings: Settings, *, clock: Clock | None = None, run_migrations: bool = True, start_dispatcher: bool = True
) -> Litestar:
    settings.check()
    ctx = build_context(settings, clock)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        async with started(ctx, run_migrations=run_migrations):
            in_process = start_dispatcher and settings.push_dispatcher == "inprocess"
            async with running_worker(ctx, enabled=in_process):
                yield

    handlers: list[Any] = [health, ready, metrics_endpoint, *route_handlers(dev_tools=settings.dev_tools_enabled)]
    hosts = _allowed_hosts(settings)
    return Litestar(
        route_handlers=handlers,
        dependencies={"ctx": Provide(lambda: ctx, sync_to_thread=False, use_cache=True)},
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[RequestContextMiddleware(), SecurityMiddleware(settings)],
        request_class=JsonSafeRequest,  # an unreadable JSON body is a 400 problem, not a 500
        # every answer, 404 and 405 included; the server's clock on every /api answer
        before_send=[security_headers_hook(settings), server_time_hook(ctx.clock)],
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
        state=State({"ctx": ctx}),
        logging_config=None,
        debug=False,
    )
