"""Rate limits: in memory for one process, in Redis (the real server) when processes share them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from backend.accounts.tables import StaffAccount
from backend.clock import FrozenClock
from backend.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tests.api.helpers import Browser


async def test_redis_limiter_is_shared_between_processes() -> None:
    key = f"test:{uuid.uuid4()}"
    first, second = RedisRateLimiter("redis://127.0.0.1:6379/0"), RedisRateLimiter("redis://127.0.0.1:6379/0")
    try:
        assert [await first.hit(key, 3, 60) for _ in range(2)] == [None, None]
        assert await second.hit(key, 3, 60) is None
        retry_after = await second.hit(key, 3, 60)
        assert retry_after is not None and 0 < retry_after <= 60
    finally:
        await first.close()
        await second.close()


async def test_memory_limiter_counts_per_key() -> None:
    limiter = MemoryRateLimiter()
    assert [await limiter.hit("a", 2, 60) for _ in range(3)][-1] is not None
    assert await limiter.hit("b", 2, 60) is None


async def test_disabling_a_staff_account_ends_its_sessions(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    till = new_browser()
    await till.staff_login("kasse1")
    assert (await till.get("/api/staff/me")).status_code == 200
    await StaffAccount.update({StaffAccount.disabled_at: clock.now()}).where(StaffAccount.username == "kasse1")
    response = await till.post("/api/staff/scans", {"code": "123456789"})
    assert response.status_code == 401
