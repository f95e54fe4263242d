"""Fixed-window rate limits: in memory for one process, Redis when several processes share limits."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from redis.exceptions import RedisError

from backend import metrics
from digital_stampcard.errors import DomainError

log = logging.getLogger(__name__)


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
    """Limits that every process shares through Redis. While Redis cannot be reached, each process
    counts on its own (a warning once per outage, `fallbacks` counts the hits that fell back) and
    tries Redis again every few seconds: a Redis blip must never close a till."""

    RETRY_EVERY_SECONDS = 5.0

    def __init__(self, url: str, *, timeout_seconds: float = 0.5) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # Short timeouts and no retries of its own: a till waits half a second at most, then falls back.
        self._redis = Redis.from_url(
            url,
            socket_connect_timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        self._local = MemoryRateLimiter()
        self._shared = True
        self._next_try = 0.0
        self.fallbacks = 0

    @property
    def shared(self) -> bool:
        """False while the limits are per process because Redis is down."""
        return self._shared

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        if not self.shared and time.monotonic() < self._next_try:
            return await self._fall_back(key, limit, window_seconds)
        try:
            retry_after = await self._shared_hit(key, limit, window_seconds)
        except (RedisError, OSError) as exc:
            self._went_down(exc)
            return await self._fall_back(key, limit, window_seconds)
        if not self.shared:
            log.warning("redis is reachable again: rate limits are shared again")
            self._shared = True
        return retry_after

    async def ping(self) -> None:
        """Raises when Redis cannot be reached (the readiness check)."""
        await self._redis.ping()

    async def _shared_hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        full_key = f"stampcard:rl:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, window_seconds, nx=True)
            pipe.ttl(full_key)
            count, _, ttl = await pipe.execute()
        return None if int(count) <= limit else max(1, int(ttl))

    def _went_down(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self.shared:
            log.warning("redis unreachable (%s): rate limits fall back to this process", type(exc).__name__)
            self._shared = False
        self._next_try = now + self.RETRY_EVERY_SECONDS

    async def _fall_back(self, key: str, limit: int, window_seconds: int) -> int | None:
        self.fallbacks += 1
        metrics.RATE_LIMIT_FALLBACKS.inc()
        return await self._local.hit(key, limit, window_seconds)

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
