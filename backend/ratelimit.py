"""Fixed-window rate limits: in memory for one process, Redis when several processes share limits."""

from __future__ import annotations

import time
from typing import Protocol

from digital_stampcard.errors import DomainError


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Counts one hit; returns seconds to wait when over the limit, else None."""

    async def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = time.monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window_seconds:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        if len(self._windows) > 100_000:  # bounded memory: forget expired windows
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 86_400}
        return None if count <= limit else max(1, int(window_seconds - (now - started)))

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        full_key = f"stampcard:rl:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, window_seconds, nx=True)
            pipe.ttl(full_key)
            count, _, ttl = await pipe.execute()
        return None if int(count) <= limit else max(1, int(ttl))

    async def close(self) -> None:
        await self._redis.aclose()


def make_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()


async def enforce(limiter: RateLimiter, key: str, limit: int, window_seconds: int) -> None:
    retry_after = await limiter.hit(key, limit, window_seconds)
    if retry_after is not None:
        raise DomainError(
            "rate_limited",
            "Too many requests. Wait a little and try again.",
            kind="rate_limited",
            retry_after=retry_after,
        )
