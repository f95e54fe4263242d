"""A Redis blip closes no store: with the real redis-server stopped in the middle of a till session,
staff log-in, one-time codes and stamps keep working on per-process limits, and the limits are shared
through Redis again once it is back."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec
import pytest
from litestar import Litestar

from backend.clock import FrozenClock
from backend.ratelimit import RedisRateLimiter
from backend.settings import Settings
from tests.api.helpers import Browser
from tests.ops.conftest import RedisServer
from tests.push.test_delivery import stamp


@pytest.fixture
def settings(settings: Settings, redis_server: RedisServer) -> Settings:
    return msgspec.structs.replace(settings, redis_url=redis_server.url)


async def test_stamps_keep_landing_while_redis_is_down_and_limits_are_shared_again_after(
    app: Litestar,
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = app.state["ctx"].limiter
    assert isinstance(limiter, RedisRateLimiter)
    limiter.RETRY_EVERY_SECONDS = 0.0  # try Redis at every hit, so the test need not wait for the retry pause
    till = new_browser()
    await till.staff_login()
    before = new_browser()
    await before.join("91000001")
    assert (await stamp(new_browser, before, clock, till=till))["added"] == 1
    assert redis_server.keys("stampcard:rl:qr:*"), "the till's scan limit is counted in Redis"

    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="backend.ratelimit"):
        during = [new_browser() for _ in range(3)]
        for n, phone in enumerate(during):
            await phone.join(f"9100001{n}")  # one-time codes are limited too
            result = await stamp(new_browser, phone, clock, till=till)
            assert result["added"] == 1, result
        second_till = new_browser()
        await second_till.staff_login("kasse2")  # staff log-in is limited too
    assert not limiter.shared
    assert limiter.fallbacks > 0
    assert [r.message for r in caplog.records].count(
        "redis unreachable (ConnectionError): rate limits fall back to this process"
    ) == 1  # once per outage, not once per request

    redis_server.start()  # same port, empty: Redis lost its counts, the process counts there again
    after = new_browser()
    await after.join("91000020")
    assert (await stamp(new_browser, after, clock, till=till))["added"] == 1
    assert limiter.shared
    assert redis_server.keys("stampcard:rl:qr:*")

    # Shared again: a second process's limiter sees the hits this one counts.
    other = RedisRateLimiter(redis_server.url)
    try:
        assert await limiter.hit("probe", 1, 60) is None
        assert await other.hit("probe", 1, 60) is not None  # the second hit, from another process, is over
    finally:
        await other.close()
