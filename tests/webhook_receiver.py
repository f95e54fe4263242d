"""A web shop's webhook endpoint for tests: a real HTTP server on 127.0.0.1 that keeps every POST
(headers and raw body) and answers the statuses a test queues (200 when none is queued). And a name
server for the tests (`Dns`): any name resolves to the addresses a test gives."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult


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


class Dns(AbstractResolver):
    """A name server for the test: answers every name with the queued addresses, and counts the questions."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        addresses = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [
            {
                "hostname": host,
                "host": a,
                "port": port,
                "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                "proto": 0,
                "flags": 0,
            }
            for a in addresses
        ]

    async def close(self) -> None:
        return None
