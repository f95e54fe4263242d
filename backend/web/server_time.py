"""`X-Server-Time` on every API answer: the server's clock in Unix milliseconds, taken as the answer
starts. A phone whose own clock is off learns from it how far off (against the middle of the round
trip) and signs its member QR with the server's time, offline too. The `Date` header alone has 1 s
resolution and is not taken from the app's clock, which tests move."""

from __future__ import annotations

from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from backend.clock import Clock

HEADER = b"x-server-time"


def server_time_hook(clock: Clock) -> BeforeMessageSendHookHandler:
    """For `Litestar(before_send=...)`: routed or not (a 404 under /api too), errors included."""

    async def add_server_time(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or not str(scope.get("path", "")).startswith("/api/"):
            return
        millis = round(clock.now().timestamp() * 1000)
        message["headers"] = [*message.get("headers", []), (HEADER, str(millis).encode())]

    return add_server_time
