"""The one backoff for every outbox (pushes, webhooks): exponential from a base, capped, with a
random share added so retries from many workers spread out, and a server's Retry-After honoured."""

from __future__ import annotations

JITTER_SHARE = 0.2  # up to 20 % is added


def backoff(attempt: int, *, base: float, cap: float, jitter: float, retry_after: float | None = None) -> float:
    """Seconds before retry number `attempt` (1-based): `base` doubling, at most `cap`; never sooner
    than `retry_after` says (even beyond the cap). `jitter` in [0, 1) comes from the caller."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    if not 0.0 <= jitter < 1.0:
        raise ValueError("jitter must be in [0, 1)")
    delay = float(min(base * 2 ** min(attempt - 1, 20), cap))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay * (1.0 + JITTER_SHARE * jitter)
