"""The club's configuration (programs, tiers, the club row, webhook endpoints, consent texts) cached in the process,
valid while the database's configuration generation (`backend.core.tables.ConfigGeneration.n`) stays the same.

The session check reads the generation in the same statement as the session (`note_generation`),
so a request knows, at no extra round trip, whether what it cached is current; an owner's change
bumps the generation by trigger, and the next request in every process loads afresh. Outside a
request that read it (the worker, commands) nothing is cached: every call loads. The cache is kept
per database engine, so two apps in one process (the tests) never share it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from typing import Any, TypeVar

T = TypeVar("T")

# name -> value, for one engine and the one generation it last saw
_Values = dict[str, Any]
# id(engine) -> (engine, generation, values); the engine is held so its id is never reused. A few
# engines at most: one in production, one per app in the tests.
_by_engine: OrderedDict[int, tuple[Any, int, _Values]] = OrderedDict()
KEEP_ENGINES = 4
_current: ContextVar[_Values | None] = ContextVar("config_cache", default=None)


def open_request() -> Token[_Values | None]:
    """Each request starts with nothing noted (the request middleware; tests run many requests in one task)."""
    return _current.set(None)


def close_request(token: Token[_Values | None]) -> None:
    _current.reset(token)


def note_generation(engine: Any, generation: int | None) -> None:
    """What this request read: from here on, `cached` answers from that generation's values."""
    if generation is None:
        _current.set(None)
        return
    seen = _by_engine.get(id(engine))
    if seen is None or seen[1] < generation:
        seen = (engine, generation, {})
        _by_engine[id(engine)] = seen
        _by_engine.move_to_end(id(engine))
        while len(_by_engine) > KEEP_ENGINES:
            _by_engine.popitem(last=False)
    # A request that read an older generation than another one already did loads for itself.
    _current.set(seen[2] if seen[1] == generation else None)


async def cached(name: str, load: Callable[[], Awaitable[T]]) -> T:
    """`load()`'s answer, shared by the requests that read the same generation. Callers treat it as
    read-only: it is the same object for every request."""
    values = _current.get()
    if values is None:
        return await load()
    if name not in values:
        # Loaded after the generation was read, so it is at least as new as that generation.
        values[name] = await load()
    return values[name]  # type: ignore[no-any-return]
