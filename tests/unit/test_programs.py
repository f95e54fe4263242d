"""Which program applies where and when, the owner's program checks, and the tier ladder rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digital_stampcard.errors import DomainError
from digital_stampcard.programs import ProgramDraft, ProgramSpan, applies, check_no_overlap, clean_program, overlaps
from digital_stampcard.tiers import Tier, check_ladder, check_window, preview_distribution, tiers_reached

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def draft(**changes: object) -> ProgramDraft:
    base: dict[str, object] = {
        "name": "Kaffekortet",
        "capacity": 10,
        "reward_text": "Gratis kaffe",
        "reward_value_ore": 4500,
        "reward_valid_days": 30,
        "stamp_basis": "visit",
        "ore_per_stamp": 10000,
        "daily_cap": 3,
        "store_ids": (),
        "starts_at": None,
        "ends_at": None,
    }
    return ProgramDraft(**{**base, **changes})  # type: ignore[arg-type]


# --- which program applies ----------------------------------------------------------------------


def test_a_program_for_every_store_applies_everywhere_and_without_a_store() -> None:
    everywhere = ProgramSpan(())
    assert applies(everywhere, 1, NOW) and applies(everywhere, None, NOW)


def test_a_program_for_some_stores_applies_only_there() -> None:
    some = ProgramSpan((1, 3))
    assert applies(some, 1, NOW) and applies(some, 3, NOW)
    assert not applies(some, 2, NOW)
    assert not applies(some, None, NOW)  # the member's own screens use a program for every store


def test_dates_start_inclusive_and_end_exclusive() -> None:
    span = ProgramSpan((), NOW, NOW + DAY)
    assert not applies(span, 1, NOW - timedelta(seconds=1))
    assert applies(span, 1, NOW)
    assert applies(span, 1, NOW + DAY - timedelta(seconds=1))
    assert not applies(span, 1, NOW + DAY)
    assert applies(ProgramSpan((), None, NOW + DAY), 1, NOW - 1000 * DAY)
    assert applies(ProgramSpan((), NOW, None), 1, NOW + 1000 * DAY)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (ProgramSpan(()), ProgramSpan((2,)), True),  # every store includes store 2
        (ProgramSpan((1,)), ProgramSpan((2,)), False),
        (ProgramSpan((1, 2)), ProgramSpan((2, 3)), True),
        (ProgramSpan((), None, NOW), ProgramSpan((), NOW, None), False),  # one ends as the other starts
        (ProgramSpan((), None, NOW + DAY), ProgramSpan((), NOW, None), True),
        (ProgramSpan((), NOW, NOW + DAY), ProgramSpan((), NOW + 2 * DAY, NOW + 3 * DAY), False),
        (ProgramSpan((), NOW, NOW + 3 * DAY), ProgramSpan((), NOW + DAY, NOW + 2 * DAY), True),
        (ProgramSpan((1,), NOW, NOW + 3 * DAY), ProgramSpan((2,), NOW + DAY, NOW + 2 * DAY), False),
    ],
)
def test_overlap_needs_a_shared_store_and_a_shared_moment(a: ProgramSpan, b: ProgramSpan, expected: bool) -> None:
    assert overlaps(a, b) is expected and overlaps(b, a) is expected


def test_an_overlap_is_refused_naming_the_other_program() -> None:
    with pytest.raises(DomainError) as refused:
        check_no_overlap(ProgramSpan((1,)), [("Lunsj", ProgramSpan((2,))), ("Kaffekortet", ProgramSpan(()))])
    assert refused.value.code == "program_overlap" and refused.value.kind == "conflict"
    assert refused.value.extra["other"] == "Kaffekortet" and "Kaffekortet" in refused.value.detail
    check_no_overlap(ProgramSpan((1,)), [("Lunsj", ProgramSpan((2,)))])


# --- the owner's program checks -------------------------------------------------------------------


def test_a_clean_program_is_trimmed_and_its_stores_sorted() -> None:
    cleaned = clean_program(draft(name="  Kaffe  ", reward_text=" Kaffe ", store_ids=(3, 1, 3)), [1, 2, 3])
    assert (cleaned.name, cleaned.reward_text, cleaned.store_ids) == ("Kaffe", "Kaffe", (1, 3))


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"capacity": 0}, "program_capacity_invalid", "capacity"),
        ({"capacity": 51}, "program_capacity_invalid", "capacity"),
        ({"daily_cap": 0}, "program_cap_invalid", "daily_cap"),
        ({"name": " "}, "program_name_invalid", "name"),
        ({"reward_text": ""}, "program_reward_invalid", "reward_text"),
        ({"reward_value_ore": -1}, "program_value_invalid", "reward_value_ore"),
        ({"reward_valid_days": 0}, "program_validity_invalid", "reward_valid_days"),
        ({"stamp_basis": "points"}, "program_basis_invalid", "stamp_basis"),
        ({"stamp_basis": "amount", "ore_per_stamp": 99}, "program_amount_invalid", "ore_per_stamp"),
        ({"store_ids": (1, 9)}, "program_store_unknown", "store_ids"),
        ({"starts_at": NOW, "ends_at": NOW}, "program_dates_invalid", "ends_at"),
    ],
)
def test_program_checks_name_the_field(changes: dict[str, object], code: str, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        clean_program(draft(**changes), [1, 2])
    assert (refused.value.code, refused.value.extra["field"]) == (code, field)


def test_the_amount_per_stamp_is_only_checked_when_stamping_by_amount() -> None:
    assert clean_program(draft(ore_per_stamp=0), []).ore_per_stamp == 0
    assert clean_program(draft(capacity=1), []).capacity == 1 and clean_program(draft(capacity=50), []).capacity == 50


# --- the tier ladder --------------------------------------------------------------------------------


def ladder(*thresholds: int) -> list[Tier]:
    return [Tier(f"t{i}", f"T{i}", f"T{i}", th) for i, th in enumerate(thresholds)]


def test_a_valid_ladder_is_cleaned() -> None:
    cleaned = check_ladder([Tier(" Bronse ", " Bronse ", "", 0), Tier("solv", "Sølv", "Silver", 10, 2, " Bolle ", 60)])
    assert cleaned[0] == Tier("bronse", "Bronse", "Bronse", 0)  # no English name: the Norwegian one
    assert cleaned[1].extra_reward_text == "Bolle" and cleaned[1].early_access_minutes == 60


@pytest.mark.parametrize(
    ("tiers", "code", "field"),
    [
        (ladder(0), "tier_count_invalid", "tiers"),
        (ladder(0, 1, 2, 3, 4, 5, 6), "tier_count_invalid", "tiers"),
        (ladder(1, 5), "tier_first_not_zero", "tiers[0].threshold"),
        (ladder(0, 5, 5), "tier_threshold_order", "tiers[2].threshold"),
        (ladder(0, 5, 3), "tier_threshold_order", "tiers[2].threshold"),
        ([Tier("a", "A", "A", 0), Tier("A", "B", "B", 5)], "tier_code_taken", "tiers[1].code"),
        ([Tier("a b", "A", "A", 0), Tier("c", "C", "C", 5)], "tier_code_invalid", "tiers[0].code"),
        ([Tier("a", "", "", 0), Tier("c", "C", "C", 5)], "tier_name_invalid", "tiers[0].name_nb"),
        ([Tier("a", "A", "A", 0), Tier("c", "C", "C", 5, 6)], "tier_multiplier_invalid", "tiers[1].stamp_multiplier"),
        ([Tier("a", "A", "A", 0, 0), Tier("c", "C", "C", 5)], "tier_multiplier_invalid", "tiers[0].stamp_multiplier"),
        (
            [Tier("a", "A", "A", 0), Tier("c", "C", "C", 5, early_access_minutes=-1)],
            "tier_early_access_invalid",
            "tiers[1].early_access_minutes",
        ),
    ],
)
def test_ladder_rules_name_the_row(tiers: list[Tier], code: str, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_ladder(tiers)
    assert (refused.value.code, refused.value.extra["field"]) == (code, field)


def test_six_tiers_are_allowed_and_the_window_is_30_to_730_days() -> None:
    assert len(check_ladder(ladder(0, 1, 2, 3, 4, 5))) == 6
    assert check_window(30) == 30 and check_window(730) == 730
    for bad in (29, 731):
        with pytest.raises(DomainError) as refused:
            check_window(bad)
        assert refused.value.code == "tier_window_invalid"


def test_the_preview_counts_the_higher_of_the_tier_kept_and_the_tier_earned() -> None:
    tiers = ladder(0, 10, 25)
    rows = [("t0", 0, 4), ("t0", 9, 1), ("t0", 10, 2), ("t0", 24, 1), ("t0", 25, 1), ("t0", 300, 2), ("t0", -3, 1)]
    assert preview_distribution(rows, tiers, tiers) == {"t0": 6, "t1": 3, "t2": 3}
    assert preview_distribution([], tiers, tiers) == {"t0": 0, "t1": 0, "t2": 0}
    # Saving never demotes: a t2 holder who earned nothing stays t2; earning more still promotes.
    assert preview_distribution([("t2", 0, 1), ("t1", 30, 1)], tiers, tiers) == {"t0": 0, "t1": 0, "t2": 2}
    # A tier the new ladder drops: its holders keep the new tier for its old threshold.
    new = ladder(0, 20)
    assert preview_distribution([("t1", 0, 3), ("t2", 0, 1)], tiers, new) == {"t0": 0, "t1": 4}  # t1 is kept by code


def test_a_promotion_reaches_every_tier_it_passes() -> None:
    tiers = ladder(0, 10, 25, 50)
    assert [t.code for t in tiers_reached(tiers[0], tiers[2], tiers)] == ["t1", "t2"]
    assert tiers_reached(tiers[2], tiers[2], tiers) == []
