"""Stamp card progression: what a member sees on the card after the till adds stamps."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digital_stampcard.cards import (
    CardPolicy,
    OpenCard,
    StampRules,
    is_duplicate_scan,
    plan_stamps,
    remaining_today,
)
from digital_stampcard.errors import DomainError

NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
RULES = StampRules()

policies = st.builds(
    CardPolicy,
    capacity=st.integers(min_value=1, max_value=15),
    reward_text=st.sampled_from(["Gratis kaffe", "Gratis bolle", "Free tea"]),
    reward_valid_days=st.integers(min_value=1, max_value=365),
)


@st.composite
def open_cards(draw: st.DrawFn) -> OpenCard:
    policy = draw(policies)
    return OpenCard(
        seq=draw(st.integers(min_value=1, max_value=1000)),
        stamps=draw(st.integers(min_value=0, max_value=policy.capacity - 1)),
        policy=policy,
    )


# --- plan_stamps -------------------------------------------------------------------------------


@settings(max_examples=200)
@given(
    card=open_cards(),
    program=policies,
    requested=st.integers(1, 40),
    multiplier=st.integers(1, 3),
    allowance=st.none() | st.integers(1, 60),
)
def test_plan_conserves_stamps_and_counts_rewards(
    card: OpenCard, program: CardPolicy, requested: int, multiplier: int, allowance: int | None
) -> None:
    plan = plan_stamps(card, program, requested, NOW, allowance=allowance, multiplier=multiplier)
    wanted = requested * multiplier
    expected_added = wanted if allowance is None else min(wanted, allowance)

    assert plan.requested == requested
    assert plan.added == expected_added
    assert plan.capped == (expected_added < wanted)
    # Every stamp added lands on exactly one card.
    assert sum(f.stamps_added for f in plan.fills) == plan.added
    # One reward per card completed, in card order, each for a card that was filled.
    completed = [f for f in plan.fills if f.completed]
    assert len(plan.rewards) == len(completed)
    assert [r.card_seq for r in plan.rewards] == [f.seq for f in completed]
    # Cards are consecutive, starting with the card the member had.
    assert [f.seq for f in plan.fills] == list(range(card.seq, card.seq + len(plan.fills)))
    assert plan.fills[0].stamps_before == card.stamps
    assert plan.fills[0].opened is False
    # No card is overfilled, and only the first card can start with stamps already on it.
    for fill in plan.fills:
        assert fill.stamps_added >= 0
        assert fill.stamps_before + fill.stamps_added <= fill.policy.capacity
    for fill in plan.fills[1:]:
        assert fill.stamps_before == 0
        assert fill.opened is True
    # The card left open is not full, and it is the last card touched.
    assert 0 <= plan.open_card.stamps < plan.open_card.policy.capacity
    assert plan.open_card.seq == plan.fills[-1].seq
    assert plan.open_card.seq == card.seq + len(plan.rewards)


@settings(max_examples=200)
@given(card=open_cards(), program=policies, requested=st.integers(1, 40))
def test_plan_totals_match_simple_arithmetic_when_policy_unchanged(
    card: OpenCard, program: CardPolicy, requested: int
) -> None:
    """With one capacity throughout, rewards and leftover stamps are plain division."""
    card = OpenCard(card.seq, min(card.stamps, program.capacity - 1), program)
    plan = plan_stamps(card, program, requested, NOW)
    total = card.stamps + requested
    assert len(plan.rewards) == total // program.capacity
    assert plan.open_card.stamps == total % program.capacity


@settings(max_examples=200)
@given(card=open_cards(), program=policies, requested=st.integers(1, 40))
def test_each_reward_uses_its_own_cards_policy(card: OpenCard, program: CardPolicy, requested: int) -> None:
    plan = plan_stamps(card, program, requested, NOW)
    for reward in plan.rewards:
        policy = card.policy if reward.card_seq == card.seq else program
        assert reward.title == policy.reward_text
        assert reward.expires_at == NOW + timedelta(days=policy.reward_valid_days)
        assert reward.expires_at.tzinfo is not None


def test_overflow_goes_to_the_next_card() -> None:
    policy = CardPolicy(capacity=10)
    plan = plan_stamps(OpenCard(3, 8, policy), policy, 5, NOW)
    assert [(f.seq, f.stamps_before, f.stamps_added) for f in plan.fills] == [(3, 8, 2), (4, 0, 3)]
    assert len(plan.rewards) == 1
    assert plan.rewards[0].card_seq == 3
    assert plan.rewards[0].title == "Gratis kaffe"
    assert plan.rewards[0].expires_at == NOW + timedelta(days=30)
    assert plan.open_card == OpenCard(4, 3, policy)


def test_exactly_filling_a_card_opens_an_empty_next_card() -> None:
    policy = CardPolicy(capacity=10)
    plan = plan_stamps(OpenCard(1, 9, policy), policy, 1, NOW)
    assert len(plan.rewards) == 1
    assert plan.open_card == OpenCard(2, 0, policy)
    assert plan.fills[-1].seq == 2
    assert plan.fills[-1].opened is True
    assert plan.fills[-1].stamps_added == 0


def test_stamps_short_of_a_full_card_earn_nothing() -> None:
    policy = CardPolicy(capacity=10)
    plan = plan_stamps(OpenCard(1, 0, policy), policy, 9, NOW)
    assert plan.rewards == []
    assert plan.open_card == OpenCard(1, 9, policy)
    assert len(plan.fills) == 1


def test_one_action_can_complete_several_cards() -> None:
    policy = CardPolicy(capacity=2, reward_text="Bolle", reward_valid_days=7)
    plan = plan_stamps(OpenCard(1, 1, policy), policy, 6, NOW)
    assert [r.card_seq for r in plan.rewards] == [1, 2, 3]
    assert plan.open_card == OpenCard(4, 1, policy)


def test_open_card_keeps_its_policy_snapshot_after_a_program_change() -> None:
    old = CardPolicy(capacity=8, reward_text="Gratis kaffe", reward_valid_days=30)
    new = CardPolicy(capacity=10, reward_text="Gratis bolle", reward_valid_days=14)

    # Still an 8-stamp card: 7 + 1 completes it under the old policy, not the new one.
    plan = plan_stamps(OpenCard(1, 7, old), new, 1, NOW)
    assert len(plan.rewards) == 1
    assert plan.rewards[0].title == "Gratis kaffe"
    assert plan.rewards[0].expires_at == NOW + timedelta(days=30)
    assert plan.fills[0].policy == old
    # The next card snapshots the program's current policy.
    assert plan.open_card == OpenCard(2, 0, new)

    # Overflow onto the new card: it takes 10 stamps, and its reward follows the new policy.
    plan = plan_stamps(OpenCard(1, 7, old), new, 11, NOW)
    assert [r.card_seq for r in plan.rewards] == [1, 2]
    assert plan.rewards[1].title == "Gratis bolle"
    assert plan.rewards[1].expires_at == NOW + timedelta(days=14)
    assert plan.open_card == OpenCard(3, 0, new)

    # An 8-card with 2 stamps is not completed by 7 more, though 9 >= 8 would be under "10".
    plan = plan_stamps(OpenCard(1, 2, old), new, 5, NOW)
    assert plan.rewards == []
    assert plan.open_card == OpenCard(1, 7, old)


def test_allowance_caps_the_stamps_and_says_so() -> None:
    policy = CardPolicy()
    plan = plan_stamps(OpenCard(1, 0, policy), policy, 5, NOW, allowance=2)
    assert plan.added == 2
    assert plan.capped is True
    assert plan.open_card.stamps == 2

    plan = plan_stamps(OpenCard(1, 0, policy), policy, 2, NOW, allowance=2)
    assert plan.added == 2
    assert plan.capped is False


def test_multiplier_is_capped_by_allowance() -> None:
    policy = CardPolicy()
    plan = plan_stamps(OpenCard(1, 0, policy), policy, 2, NOW, allowance=3, multiplier=2)
    assert plan.added == 3
    assert plan.capped is True


@pytest.mark.parametrize("allowance", [0, -1])
def test_no_allowance_left_refuses_with_daily_cap_reached(allowance: int) -> None:
    policy = CardPolicy()
    with pytest.raises(DomainError) as caught:
        plan_stamps(OpenCard(1, 0, policy), policy, 1, NOW, allowance=allowance)
    assert caught.value.code == "daily_cap_reached"
    assert caught.value.kind == "conflict"


@pytest.mark.parametrize("requested", [0, -1, -10])
def test_requesting_fewer_than_one_stamp_is_refused(requested: int) -> None:
    policy = CardPolicy()
    with pytest.raises(DomainError) as caught:
        plan_stamps(OpenCard(1, 0, policy), policy, requested, NOW)
    assert caught.value.code == "validation_error"


def _give_up(signum: int, frame: object) -> None:
    raise TimeoutError("plan_stamps did not return")


@pytest.mark.parametrize("capacity", [0, -1])
def test_a_card_that_can_never_fill_is_refused_instead_of_looping(capacity: int) -> None:
    good, bad = CardPolicy(capacity=10), CardPolicy(capacity=capacity)
    previous = signal.signal(signal.SIGALRM, _give_up)  # a regression here hangs; fail it instead
    signal.alarm(5)
    try:
        for card, program in [(OpenCard(1, 0, bad), good), (OpenCard(1, 9, good), bad)]:
            with pytest.raises(DomainError) as caught:
                plan_stamps(card, program, 3, NOW)
            assert caught.value.code == "validation_error"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=200)
@given(card=open_cards(), program=policies, requests=st.lists(st.integers(1, 5), min_size=1, max_size=15))
def test_many_small_actions_equal_one_big_action(card: OpenCard, program: CardPolicy, requests: list[int]) -> None:
    """Without a cap, stamping in steps gives the same card and the same rewards as stamping at once."""
    current = card
    rewards = []
    added = 0
    for count in requests:
        step = plan_stamps(current, program, count, NOW)
        rewards.extend(step.rewards)
        added += step.added
        current = step.open_card

    batch = plan_stamps(card, program, sum(requests), NOW)
    assert added == batch.added == sum(requests)
    assert rewards == batch.rewards
    assert current == batch.open_card


@settings(max_examples=100)
@given(card=open_cards(), program=policies, count=st.integers(1, 30))
def test_single_stamps_equal_one_batch(card: OpenCard, program: CardPolicy, count: int) -> None:
    current = card
    rewards = []
    for _ in range(count):
        step = plan_stamps(current, program, 1, NOW)
        assert step.added == 1
        rewards.extend(step.rewards)
        current = step.open_card
    batch = plan_stamps(card, program, count, NOW)
    assert rewards == batch.rewards
    assert current == batch.open_card


# --- duplicate window and daily cap ------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "duplicate"),
    [
        (timedelta(0), True),
        (timedelta(seconds=1), True),
        (timedelta(seconds=59), True),
        (timedelta(seconds=59, microseconds=999_999), True),
        (timedelta(seconds=60), False),
        (timedelta(seconds=61), False),
        (timedelta(hours=1), False),
        (timedelta(seconds=-1), False),  # a stamp "from the future" (clock skew) is not a duplicate
        (timedelta(seconds=-30), False),
    ],
)
def test_duplicate_scan_window(age: timedelta, duplicate: bool) -> None:
    assert is_duplicate_scan(NOW - age, NOW, RULES) is duplicate


def test_no_previous_stamp_is_never_a_duplicate() -> None:
    assert is_duplicate_scan(None, NOW, RULES) is False


def test_duplicate_window_follows_the_rules() -> None:
    rules = StampRules(duplicate_window_seconds=10)
    assert is_duplicate_scan(NOW - timedelta(seconds=9), NOW, rules) is True
    assert is_duplicate_scan(NOW - timedelta(seconds=10), NOW, rules) is False


@pytest.mark.parametrize(("stamped", "left"), [(0, 3), (1, 2), (2, 1), (3, 0), (4, 0), (100, 0)])
def test_remaining_today(stamped: int, left: int) -> None:
    assert remaining_today(stamped, RULES) == left


def test_remaining_today_follows_the_rules() -> None:
    assert remaining_today(2, StampRules(daily_cap=5)) == 3


def test_default_rules_match_the_product_brief() -> None:
    assert CardPolicy() == CardPolicy(capacity=10, reward_text="Gratis kaffe", reward_valid_days=30)
    assert RULES.daily_cap == 3
    assert RULES.duplicate_window_seconds == 60


@settings(max_examples=200)
@given(stamped=st.integers(0, RULES.daily_cap - 1), requested=st.integers(1, 10))
def test_the_daily_cap_is_never_exceeded(stamped: int, requested: int) -> None:
    """Feeding remaining_today into plan_stamps never lets a member pass the daily cap."""
    policy = CardPolicy()
    allowance = remaining_today(stamped, RULES)
    plan = plan_stamps(OpenCard(1, 0, policy), policy, requested, NOW, allowance=allowance)
    assert stamped + plan.added <= RULES.daily_cap
