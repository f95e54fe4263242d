"""Security headers on every response, and an Origin / Sec-Fetch-Site check on unsafe methods.

The headers are put on by an app-level `before_send` hook, not by the middleware: Litestar runs
middleware only for a matched route, so a 404 for an unknown path or a 405 would go out without them."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import (
    ASGIApp,
    BeforeMessageSendHookHandler,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from backend.settings import Settings

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; media-src 'self' blob: mediastream:; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "permissions-policy": "camera=(self), microphone=(), geolocation=()",
        "cross-origin-opener-policy": "same-origin",
    }
    if settings.is_production:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def security_headers_hook(settings: Settings) -> BeforeMessageSendHookHandler:
    """For `Litestar(before_send=...)`: every answer the app sends, routed or not, gets the headers it
    does not set itself."""
    headers = security_headers(settings)

    async def add_headers(message: Message, _scope: Scope) -> None:
        if message["type"] == "http.response.start":
            existing = {k.lower() for k, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []), *[(k, v) for k, v in headers if k not in existing]]

    return add_headers


class SecurityMiddleware(ASGIMiddleware):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        public = urlsplit(settings.public_url)
        self.trusted_origins = {f"{public.scheme}://{public.netloc}"}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP:
            await next_app(scope, receive, send)
            return
        if scope["method"] in UNSAFE and not self._same_origin(scope):
            await self._refuse(send)
            return
        await next_app(scope, receive, send)

    def _same_origin(self, scope: Scope) -> bool:
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return False
        origin = headers.get("origin")
        if origin is None:
            return True  # non-browser clients (POS, tests) carry no Origin; CSRF tokens still apply
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
        return origin in self.trusted_origins or origin == own

    async def _refuse(self, send: Send) -> None:
        body = msgspec.json.encode(
            {
                "type": "/problems/forbidden",
                "title": "Forbidden",
                "status": 403,
                "code": "forbidden",
                "detail": "Cross-site requests are not allowed.",
            }
        )
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/problem+json")],  # the hook adds the security headers
        }
        end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
        await send(start)
        await send(end)
