"""Every request: its id (the caller's `X-Request-ID` when it is sane, else a new one, returned in
the answer), the fields its log lines carry, one access line and its latency metric. Only the route
template is logged, never the path: paths can hold tokens (invite links, receipts)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend import config_cache, logs, metrics

log = logging.getLogger("stampcard.http")
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestContextMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP:
            await next_app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
        token = logs.open_request(request_id)
        cache_token = config_cache.open_request()
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or "unmatched"
            metrics.REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(seconds)
            log.info(
                "request",
                extra={"method": scope["method"], "route": route, "status": status, "ms": round(seconds * 1000, 1)},
            )
            config_cache.close_request(cache_token)
            logs.close_request(token)
