"""The one backoff every outbox uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard.retries import backoff


def test_it_doubles_from_the_base_up_to_the_cap() -> None:
    assert [backoff(n, base=30, cap=300, jitter=0.0) for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert backoff(10_000, base=30, cap=300, jitter=0.0) == 300  # no overflow however long it failed


def test_a_retry_after_is_never_undercut_even_beyond_the_cap() -> None:
    assert backoff(1, base=30, cap=300, jitter=0.0, retry_after=120) == 120
    assert backoff(4, base=30, cap=300, jitter=0.0, retry_after=10) == 240
    assert backoff(1, base=30, cap=300, jitter=0.0, retry_after=7200) == 7200


@given(st.integers(1, 100), st.floats(0.0, 0.999))
def test_jitter_adds_at_most_a_fifth(attempt: int, jitter: float) -> None:
    plain = backoff(attempt, base=30, cap=3600, jitter=0.0)
    assert plain <= backoff(attempt, base=30, cap=3600, jitter=jitter) <= plain * 1.2


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError):
        backoff(0, base=30, cap=300, jitter=0.0)
    with pytest.raises(ValueError):
        backoff(1, base=30, cap=300, jitter=1.0)
