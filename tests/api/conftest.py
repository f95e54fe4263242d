"""API tests call create_app's ASGI app in the test's own event loop: real app, real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import FrozenClock
from backend.settings import Settings
from tests.api.helpers import Browser, seed_club
from tests.smtp_inbox import Inbox, smtp_server


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> Litestar:
    return create_app(settings, clock=clock, run_migrations=False)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    # One event loop for the app and the test (Litestar's AsyncTestClient runs the app in a thread
    # of its own, and a PostgreSQL pool cannot be shared across event loops).
    async with running(app):
        await seed_club(app)
        async with _client(app) as c:
            yield c


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Runs the app's lifespan in a task of its own: anyio scopes must exit in the task they entered."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # startup failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


def _client(app: Litestar) -> httpx.AsyncClient:
    # The app's own address: https when a test runs the app as production (Secure cookies).
    base_url = app.state["ctx"].settings.public_url
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
def new_browser(app: Litestar, client: httpx.AsyncClient) -> Callable[[], Browser]:
    """Another phone or till: its own cookies, the same running app."""

    def make() -> Browser:
        return Browser(_client(app))

    return make


@pytest.fixture
async def owner(new_browser: Callable[[], Browser]) -> Browser:
    """The owner, logged in on a device of their own."""
    browser = new_browser()
    await browser.staff_login("eier")
    return browser


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free port that keeps what it receives: (inbox, port)."""
    inbox = Inbox()
    with smtp_server(inbox) as port:
        yield inbox, port
