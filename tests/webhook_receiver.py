"""A web shop's webhook endpoint for tests: a real HTTP server on 127.0.0.1 that keeps every POST
(headers and raw body) and answers the statuses a test queues (200 when none is queued)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Receiver:
    url: str = ""
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # next statuses; 200 when empty
    location: str = ""  # sent as the Location header when set (a receiver that redirects)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.got]


@asynccontextmanager
async def running_receiver(path: str = "/hooks") -> AsyncIterator[Receiver]:
    state = Receiver()

    async def handle(request: web.Request) -> web.Response:
        state.got.append((dict(request.headers), await request.read()))
        headers = {"Location": state.location} if state.location else None
        return web.Response(status=state.answers.pop(0) if state.answers else 200, headers=headers)

    app = web.Application()
    app.router.add_post(path, handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}{path}"
    try:
        yield state
    finally:
        await runner.cleanup()
