"""Tiers: earned stamps decide the tier; promotion is immediate, demotion only at the yearly review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digital_stampcard.tiers import (
    DEFAULT_TIERS,
    DEMOTION_WARNING_DAYS,
    WINDOW_DAYS,
    Tier,
    demotion_warning_due,
    held_tier,
    tier_at_review,
    tier_for,
    tier_progress,
    window_start,
)

NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
BRONSE, SOLV, GULL = DEFAULT_TIERS
CODES = [t.code for t in DEFAULT_TIERS]

earned_counts = st.integers(min_value=0, max_value=200)


@st.composite
def ladders(draw: st.DrawFn) -> list[Tier]:
    """A custom ladder: a 0 tier plus up to 5 distinct higher thresholds, in any order."""
    higher = draw(st.lists(st.integers(1, 100), unique=True, max_size=5))
    tiers = [Tier("t0", "T0", "T0", 0)] + [Tier(f"t{n}", f"T{n}", f"T{n}", n) for n in higher]
    return draw(st.permutations(tiers))


def test_default_tiers_match_the_product_brief() -> None:
    assert [(t.code, t.name_nb, t.threshold) for t in DEFAULT_TIERS] == [
        ("bronse", "Bronse", 0),
        ("solv", "Sølv", 10),
        ("gull", "Gull", 25),
    ]
    assert [t.name("en") for t in DEFAULT_TIERS] == ["Bronze", "Silver", "Gold"]
    assert [t.name("nb") for t in DEFAULT_TIERS] == ["Bronse", "Sølv", "Gull"]
    assert WINDOW_DAYS == 365
    assert DEMOTION_WARNING_DAYS == 30


@pytest.mark.parametrize(
    ("earned", "code"),
    [(0, "bronse"), (9, "bronse"), (10, "solv"), (24, "solv"), (25, "gull"), (1000, "gull")],
)
def test_tier_for_thresholds(earned: int, code: str) -> None:
    assert tier_for(earned, DEFAULT_TIERS).code == code


@settings(max_examples=200)
@given(ladder=ladders(), a=earned_counts, b=earned_counts)
def test_tier_for_is_monotonic(ladder: list[Tier], a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert tier_for(low, ladder).threshold <= tier_for(high, ladder).threshold


@settings(max_examples=200)
@given(ladder=ladders(), earned=earned_counts)
def test_tier_for_is_the_highest_tier_reached(ladder: list[Tier], earned: int) -> None:
    tier = tier_for(earned, ladder)
    assert tier.threshold <= earned
    assert all(t.threshold > earned for t in ladder if t.threshold > tier.threshold)


def test_a_ladder_without_a_zero_tier_is_refused() -> None:
    with pytest.raises(ValueError):
        tier_for(5, [Tier("solv", "Sølv", "Silver", 10)])
    with pytest.raises(ValueError):
        tier_for(5, [])


@settings(max_examples=200)
@given(held=st.sampled_from(CODES + [None]), earned=earned_counts)
def test_held_tier_never_demotes(held: str | None, earned: int) -> None:
    tier = held_tier(held, earned, DEFAULT_TIERS)
    held_threshold = next((t.threshold for t in DEFAULT_TIERS if t.code == held), 0)
    assert tier.threshold >= held_threshold
    assert tier.threshold >= tier_for(earned, DEFAULT_TIERS).threshold
    # It is one of the two candidates: what is held, or what was earned.
    assert tier.code in {held, tier_for(earned, DEFAULT_TIERS).code}


@settings(max_examples=200)
@given(ladder=ladders(), data=st.data(), earned=earned_counts)
def test_held_tier_is_the_higher_of_held_and_earned(ladder: list[Tier], data: st.DataObject, earned: int) -> None:
    held = data.draw(st.sampled_from(ladder))
    tier = held_tier(held.code, earned, ladder)
    assert tier.threshold == max(held.threshold, tier_for(earned, ladder).threshold)


def test_held_tier_promotes_when_earned_reaches_a_threshold() -> None:
    assert held_tier("bronse", 9, DEFAULT_TIERS) == BRONSE
    assert held_tier("bronse", 10, DEFAULT_TIERS) == SOLV
    assert held_tier("solv", 24, DEFAULT_TIERS) == SOLV
    assert held_tier("solv", 25, DEFAULT_TIERS) == GULL
    assert held_tier("bronse", 30, DEFAULT_TIERS) == GULL
    assert held_tier(None, 12, DEFAULT_TIERS) == SOLV


def test_held_tier_keeps_the_tier_between_reviews() -> None:
    assert held_tier("gull", 0, DEFAULT_TIERS) == GULL
    assert held_tier("solv", 3, DEFAULT_TIERS) == SOLV


def test_an_unknown_held_code_counts_as_the_lowest_tier() -> None:
    assert held_tier("platinum", 3, DEFAULT_TIERS) == BRONSE
    assert held_tier("platinum", 12, DEFAULT_TIERS) == SOLV


def test_tier_at_review_can_demote() -> None:
    # Between reviews Gull is kept with only 3 stamps earned; at the review it drops to Bronse.
    assert held_tier("gull", 3, DEFAULT_TIERS) == GULL
    assert tier_at_review(3, DEFAULT_TIERS) == BRONSE
    assert tier_at_review(12, DEFAULT_TIERS) == SOLV
    assert tier_at_review(25, DEFAULT_TIERS) == GULL


@settings(max_examples=200)
@given(ladder=ladders(), earned=earned_counts)
def test_tier_at_review_is_what_the_window_supports(ladder: list[Tier], earned: int) -> None:
    assert tier_at_review(earned, ladder) == tier_for(earned, ladder)


@settings(max_examples=200)
@given(ladder=ladders(), earned=earned_counts)
def test_tier_progress_for_the_earned_tier(ladder: list[Tier], earned: int) -> None:
    current = tier_for(earned, ladder)
    progress = tier_progress(current, earned, ladder)
    assert progress.earned == earned
    assert progress.current == current
    assert 0.0 <= progress.fraction <= 1.0
    higher = sorted(t.threshold for t in ladder if t.threshold > current.threshold)
    if not higher:
        assert progress.next is None
        assert progress.remaining == 0
        assert progress.fraction == 1.0
    else:
        assert progress.next is not None
        assert progress.next.threshold == higher[0]
        assert progress.remaining == progress.next.threshold - earned
        assert progress.remaining > 0
        assert progress.fraction < 1.0


@settings(max_examples=200)
@given(held=st.sampled_from(DEFAULT_TIERS), earned=earned_counts)
def test_tier_progress_for_a_held_tier(held: Tier, earned: int) -> None:
    """A held tier may be above or below what was earned; remaining never goes negative."""
    progress = tier_progress(held, earned, DEFAULT_TIERS)
    assert progress.remaining >= 0
    assert 0.0 <= progress.fraction <= 1.0
    if progress.next is not None:
        assert progress.remaining == max(0, progress.next.threshold - earned)


def test_tier_progress_examples() -> None:
    p = tier_progress(BRONSE, 4, DEFAULT_TIERS)
    assert (p.next, p.remaining) == (SOLV, 6)
    assert p.fraction == pytest.approx(0.4)
    p = tier_progress(SOLV, 15, DEFAULT_TIERS)
    assert (p.next, p.remaining) == (GULL, 10)
    p = tier_progress(GULL, 40, DEFAULT_TIERS)
    assert (p.next, p.remaining, p.fraction) == (None, 0, 1.0)
    # Held Gull with few stamps in the window: still the top tier.
    p = tier_progress(GULL, 2, DEFAULT_TIERS)
    assert p.next is None


@pytest.mark.parametrize(
    ("until_review", "due"),
    [
        (timedelta(days=31), False),
        (timedelta(days=30, seconds=1), False),
        (timedelta(days=30), True),
        (timedelta(days=29, hours=23), True),
        (timedelta(days=1), True),
        (timedelta(0), True),
        (timedelta(seconds=-1), False),  # the review has passed
        (timedelta(days=-10), False),
    ],
)
def test_demotion_warning_window(until_review: timedelta, due: bool) -> None:
    assert demotion_warning_due(NOW + until_review, NOW) is due


def test_window_start_is_365_days_back() -> None:
    assert window_start(NOW) == NOW - timedelta(days=365)
    assert window_start(NOW, days=30) == NOW - timedelta(days=30)
