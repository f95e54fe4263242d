"""API tests run create_app over Litestar's AsyncTestClient: real app, real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.clock import FrozenClock
from backend.settings import Settings
from tests.api.helpers import Browser, seed_club


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> Litestar:
    return create_app(settings, clock=clock, run_migrations=False)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url="http://testserver.local") as c:
        await seed_club(app)
        yield c


@pytest.fixture
def new_browser(app: Litestar, client: AsyncTestClient[Litestar]) -> Callable[[], Browser]:
    """Another phone or till: its own cookies, the same running app."""

    def make() -> Browser:
        return Browser(AsyncTestClient(app, base_url="http://testserver.local"))

    return make
