"""GET /metrics: the process's Prometheus metrics, with the outbox gauges read from the database at
scrape time. Outside development and test it needs `Authorization: Bearer <METRICS_TOKEN>`; with no
token set there, it answers 404 (metrics off)."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST

from backend import metrics
from backend.context import AppContext
from backend.outbox_depth import refresh_outboxes
from digital_stampcard.errors import DomainError


@get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request[Any, Any, Any], ctx: AppContext) -> Response[bytes]:
    check_token(ctx, request.headers.get("authorization"))
    await refresh_outboxes(ctx.clock.now())
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def check_token(ctx: AppContext, authorization: str | None) -> None:
    token = ctx.settings.metrics_token
    if not token:
        if ctx.settings.dev_tools_enabled:
            return
        raise DomainError("not_found", "Not found.", kind="not_found")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise DomainError("not_authenticated", "Send Authorization: Bearer <METRICS_TOKEN>.", kind="unauthenticated")
