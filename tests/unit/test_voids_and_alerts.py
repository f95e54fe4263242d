"""Voids (which card and reward a void touches, how the counts move) and the unusual-activity rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard import alerts, voids
from digital_stampcard.errors import DomainError
from digital_stampcard.voids import CardChange, VoidCard, plan_void

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_a_void_on_the_open_card_just_takes_the_stamps_off() -> None:
    open_card = VoidCard(2, 5, 10, "open")
    plan = plan_void(2, open_card, [open_card])
    assert plan.changes == [CardChange(2, 3, "open")]
    assert plan.revoked == [] and plan.kept == [] and plan.taken_back == 2 and plan.not_recovered == 0


def test_voiding_the_stamp_that_completed_a_card_revokes_an_active_reward_and_reopens_the_card() -> None:
    completed = VoidCard(1, 10, 10, "completed", reward_id=7, reward_status="active")
    next_card = VoidCard(2, 0, 10, "open")
    plan = plan_void(1, next_card, [completed, next_card])
    assert plan.revoked == [7] and plan.kept == []
    assert plan.changes == [CardChange(2, 0, "voided"), CardChange(1, 9, "open")]


def test_overflow_stamps_come_off_the_next_card_before_the_completed_one() -> None:
    completed = VoidCard(1, 10, 10, "completed", reward_id=7, reward_status="active")
    next_card = VoidCard(2, 2, 10, "open")  # the voided +3 put 1 on card 1 and 2 on card 2
    plan = plan_void(3, next_card, [completed, next_card])
    assert plan.revoked == [7]
    assert plan.changes == [CardChange(2, 0, "voided"), CardChange(1, 9, "open")]


def test_stamps_given_later_stand_in_and_the_reward_stays() -> None:
    completed = VoidCard(1, 10, 10, "completed", reward_id=7, reward_status="active")
    plan = plan_void(1, VoidCard(2, 4, 10, "open"), [completed])
    assert plan.revoked == [] and plan.changes == [CardChange(2, 3, "open")]


@pytest.mark.parametrize("status", ["redeemed", "expired"])
def test_a_reward_the_member_already_has_used_or_lost_stays(status: str) -> None:
    completed = VoidCard(1, 10, 10, "completed", reward_id=7, reward_status=status)
    plan = plan_void(2, VoidCard(2, 1, 10, "open"), [completed])
    assert plan.revoked == [] and plan.kept == [7]
    assert plan.taken_back == 1 and plan.not_recovered == 1 and plan.changes == [CardChange(2, 0, "open")]


def test_reasons_are_tidied_and_checked() -> None:
    assert voids.clean_reason("  feil \n kunde ") == "feil kunde"
    with pytest.raises(DomainError) as err:
        voids.clean_reason(" a ")
    assert err.value.code == "validation_error"
    with pytest.raises(DomainError):
        voids.clean_reason("x" * 201)


def test_only_unreversed_stamps_can_be_voided() -> None:
    voids.check_voidable("stamp", 1, None)
    voids.check_voidable("bonus", 2, None)
    with pytest.raises(DomainError) as err:
        voids.check_voidable("stamp", 1, 99)
    assert err.value.code == "already_voided" and err.value.extra == {"by": 99}
    for kind, stamps in [("undo", -1), ("reward_redeemed", 0), ("void", -1), ("stamp", 0)]:
        with pytest.raises(DomainError) as err:
            voids.check_voidable(kind, stamps, None)
        assert err.value.code == "not_voidable"


def test_a_void_gives_back_todays_allowance_only_for_todays_stamps() -> None:
    assert voids.counts_for_cap(True, NOW - timedelta(hours=1), NOW)
    assert not voids.counts_for_cap(True, NOW - timedelta(days=1), NOW)
    assert not voids.counts_for_cap(False, NOW, NOW)


@st.composite
def member_cards(draw: st.DrawFn) -> tuple[int, VoidCard, list[VoidCard]]:
    """Completed cards (each with its reward) and an open card, and a voided entry that filled
    some of them: a contiguous run ending at the open card or at a completed card."""
    capacity = draw(st.integers(1, 12))
    completed = [
        VoidCard(i, capacity, capacity, "completed", 100 + i, draw(st.sampled_from(["active", "redeemed", "expired"])))
        for i in range(1, draw(st.integers(0, 4)) + 1)
    ]
    open_card = VoidCard(len(completed) + 1, draw(st.integers(0, capacity - 1)), capacity, "open")
    cards = [*completed, open_card]
    first = draw(st.integers(0, len(cards) - 1))
    last = draw(st.integers(first, len(cards) - 1))
    filled = cards[first : last + 1]
    most = sum(c.stamps for c in filled)
    stamps = draw(st.integers(1, max(1, most)))
    return stamps, open_card, filled


@given(member_cards())
def test_a_void_never_leaves_a_broken_state(case: tuple[int, VoidCard, list[VoidCard]]) -> None:
    stamps, open_card, filled = case
    plan = plan_void(stamps, open_card, filled)
    before = {c.id: c for c in [*filled, open_card]}
    after = {c.id: (c.stamps, c.status) for c in before.values()}
    after.update({ch.card_id: (ch.stamps, ch.status) for ch in plan.changes})
    # One open card, never negative, never full.
    opened = [cid for cid, (_, status) in after.items() if status == "open"]
    assert len(opened) == 1
    assert all(n >= 0 for n, _ in after.values())
    assert after[opened[0]][0] < before[opened[0]].capacity
    # Only active rewards are revoked; used or expired ones are kept, never both.
    rewards = {c.reward_id: c.reward_status for c in before.values() if c.reward_id}
    assert all(rewards[r] == "active" for r in plan.revoked)
    assert all(rewards[r] in ("redeemed", "expired") for r in plan.kept)
    assert not set(plan.revoked) & set(plan.kept)
    # Every voided stamp is either taken off a card or reported as not recoverable.
    assert plan.taken_back + plan.not_recovered == stamps == plan.stamps_voided

    def backed(state: dict[int, tuple[int, str]], revoked: set[int]) -> int:
        total = 0
        for cid, (n, status) in state.items():
            card = before[cid]
            if status == "open" or (
                status == "completed" and card.reward_status == "active" and card.reward_id not in revoked
            ):
                total += n
        return total

    start = {c.id: (c.stamps, c.status) for c in before.values()}
    assert backed(start, set()) - backed(after, set(plan.revoked)) == plan.taken_back
    # A card is reopened only when its reward is revoked.
    for ch in plan.changes:
        if ch.status == "open" and before[ch.card_id].status == "completed":
            assert before[ch.card_id].reward_id in plan.revoked


def test_a_staff_account_far_above_its_stores_usual_rate_stands_out() -> None:
    usage = {1: alerts.StoreUsage(stamps=28 * 10, staff_accounts=1), 2: alerts.StoreUsage(28 * 40, 2)}
    assert alerts.usual_per_day(usage[2]) == 20
    found = alerts.staff_rate_alerts([(11, 1, 45), (12, 1, 25), (21, 2, 50), (31, 3, 500)], usage)
    # 45 > 3 × 10 at store 1; 25 is not; 50 is not more than 3 × 20 at store 2; store 3 has no history.
    assert found == [alerts.StaffRateAlert(11, 1, 45, 10.0)]
    quiet = alerts.staff_rate_alerts([(11, 1, 15)], {1: alerts.StoreUsage(28, 1)})
    assert quiet == []  # 15 is 15 × the usual 1, but under the minimum


def test_members_at_the_cap_on_many_days_stand_out() -> None:
    rows = []
    for day in range(5):
        at = NOW - timedelta(days=day * 3)
        rows += [(1, at, 2), (1, at + timedelta(minutes=5), 1)]  # two visits, 3 stamps a day
        rows += [(2, at, 2)]
    rows += [(1, NOW - timedelta(days=20), 3), (1, NOW - timedelta(days=20, minutes=-1), -1)]  # a void
    assert alerts.days_at_cap(rows, 3)[1][-1] == NOW.date().isoformat()
    assert alerts.cap_alerts(rows, 3) == [alerts.CapAlert(1, 5, NOW.date().isoformat())]
    assert alerts.cap_alerts(rows, 3, alerts.AlertRules(cap_days=6)) == []
    assert alerts.cap_candidate_total(3) == 12


def test_an_oslo_day_decides_which_day_a_stamp_counts_for() -> None:
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 00:30 on the 25th in Oslo
    assert alerts.days_at_cap([(1, late, 3)], 3) == {1: ["2026-11-25"]}


def test_many_manual_entries_from_one_session_stand_out() -> None:
    found = alerts.manual_entry_alerts([(1, 14), (2, 15), (3, 40)])
    assert found == [alerts.ManualEntryAlert(3, 40), alerts.ManualEntryAlert(2, 15)]
