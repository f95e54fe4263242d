"""Shared by the push tests: the real app (from the API tests), a local push service, a worker."""

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from backend.worker import Worker
from tests.api.conftest import app, client, new_browser, owner  # noqa: F401  (the same real app, reused)
from tests.push.fake_push_service import FakePushService


@pytest.fixture
async def push() -> AsyncIterator[FakePushService]:
    async with FakePushService() as service:
        yield service


@pytest.fixture
async def worker(app: Litestar, client: object) -> AsyncIterator[Worker]:  # noqa: F811
    ctx = app.state["ctx"]
    async with Worker(ctx, concurrency=16) as d:
        yield d
