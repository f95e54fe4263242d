"""Liveness and readiness: `/health` says the process answers (no I/O, for the container's own
health check); `/ready` says it can serve: the database answers, its migrations are current and,
when REDIS_URL is set, Redis answers. A proxy or compose sends traffic only to a ready process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from litestar import Response, get

from backend.context import AppContext
from backend.db import pending_migrations
from backend.errors import problem
from backend.ratelimit import RedisRateLimiter

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 2.0


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(ctx: AppContext) -> Response[dict[str, Any]]:
    checks = await readiness(ctx)
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return Response({"status": "ready", "checks": checks})
    detail = "Not ready: " + "; ".join(f"{name} {checks[name]}" for name in down) + "."
    return problem(503, "not_ready", detail, checks=checks)


async def readiness(ctx: AppContext) -> dict[str, str]:
    """Each dependency's state: "ok", or a few words on what is wrong (never a secret or an address)."""
    checks = {"database": await _checked("database", _database(ctx))}
    if checks["database"] == "ok":
        pending = await pending_migrations()
        checks["migrations"] = "ok" if not pending else f"{len(pending)} pending (run stampcard migrate)"
    else:
        checks["migrations"] = "unknown (no database)"
    if isinstance(ctx.limiter, RedisRateLimiter):
        checks["redis"] = await _checked("redis", ctx.limiter.ping())
    return checks


async def _database(ctx: AppContext) -> None:
    await ctx.engine.run_ddl("SELECT 1")


async def _checked(name: str, probe: Awaitable[None]) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        log.warning("readiness: %s timed out", name)
        return "timed out"
    except Exception as exc:  # whatever the driver raises, the answer is "unreachable"
        log.warning("readiness: %s unreachable (%s)", name, type(exc).__name__)
        return "unreachable"
    return "ok"
