"""Club setup rules: the surprise draw, the anniversary of joining, bonus settings, the business's
own profile fields, and which consents still count after a new text version."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard.bonuses import BonusSettings, anniversary_years, clean_bonuses, surprise_due
from digital_stampcard.consents import (
    Acceptance,
    Version,
    clean_body,
    needs_reaccept,
    next_version,
    reaccept_cutoffs,
    still_counts,
)
from digital_stampcard.errors import DomainError
from digital_stampcard.profile import Interest, ProfileField, clean_extra, clean_fields, clean_interests

T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)

# --- surprise -----------------------------------------------------------------------------------------


@given(draw=st.floats(0, 1, exclude_max=True))
def test_no_surprise_at_zero_and_always_one_at_a_hundred(draw: float) -> None:
    assert not surprise_due(draw, 0)
    assert surprise_due(draw, 100)


@given(draw=st.floats(0, 1, exclude_max=True), share=st.integers(0, 20))
def test_a_share_of_p_percent_picks_the_lowest_p_percent_of_draws(draw: float, share: int) -> None:
    assert surprise_due(draw, share) == (draw < share / 100)


def test_over_many_evenly_spread_draws_the_share_is_what_the_owner_chose() -> None:
    draws = [i / 10_000 for i in range(10_000)]
    assert sum(surprise_due(d, 7) for d in draws) == 700


@pytest.mark.parametrize("draw", [-0.1, 1.0, 2.0])
def test_a_draw_outside_zero_to_one_is_a_bug(draw: float) -> None:
    with pytest.raises(ValueError):
        surprise_due(draw, 10)


# --- anniversary --------------------------------------------------------------------------------------


def test_the_anniversary_counts_whole_years_on_the_day_only() -> None:
    joined = date(2024, 3, 5)
    assert anniversary_years(joined, date(2024, 3, 5)) is None  # the day itself is no anniversary
    assert anniversary_years(joined, date(2025, 3, 5)) == 1
    assert anniversary_years(joined, date(2027, 3, 5)) == 3
    assert anniversary_years(joined, date(2025, 3, 6)) is None


def test_members_who_joined_on_the_29th_of_february_celebrate_on_the_28th() -> None:
    joined = date(2024, 2, 29)
    assert anniversary_years(joined, date(2025, 2, 28)) == 1
    assert anniversary_years(joined, date(2028, 2, 28)) is None  # a leap year has its own 29th
    assert anniversary_years(joined, date(2028, 2, 29)) == 4


@given(joined=st.dates(date(2000, 1, 1), date(2030, 12, 31)), today=st.dates(date(2000, 1, 1), date(2040, 12, 31)))
def test_exactly_one_anniversary_per_membership_year(joined: date, today: date) -> None:
    years = anniversary_years(joined, today)
    if years is not None:
        assert years == today.year - joined.year >= 1
        assert all(anniversary_years(joined, today - timedelta(days=d)) != years for d in range(1, 360))


# --- bonus settings -----------------------------------------------------------------------------------


def test_bonus_settings_are_tidied_and_checked() -> None:
    cleaned = clean_bonuses(BonusSettings(surprise_reward_text="  Gratis   kake ", surprise_share_percent=20))
    assert cleaned.surprise_reward_text == "Gratis kake"
    for wrong in (
        BonusSettings(surprise_share_percent=21),
        BonusSettings(welcome_bonus_stamps=-1),
        BonusSettings(birthday_reward_text="x" * 121),
    ):
        with pytest.raises(DomainError) as error:
            clean_bonuses(wrong)
        assert error.value.extra["field"] in ("surprise_share_percent", "welcome_bonus_stamps", "birthday_reward_text")


# --- the business's profile fields --------------------------------------------------------------------

SHOE = ProfileField(key="sko", label_nb="Skostørrelse", label_en="Shoe size", kind="number")
DRINK = ProfileField(key="drikke", label_nb="Drikke", label_en="Drink", kind="choice", options=["Latte", "Te"])
NOTE = ProfileField(key="hilsen", label_nb="Hilsen", label_en="Greeting", kind="text", max_length=10)


def test_the_field_list_keeps_its_order_and_refuses_what_members_could_not_answer() -> None:
    assert [f.key for f in clean_fields([NOTE, SHOE, DRINK])] == ["hilsen", "sko", "drikke"]
    for fields, where in [
        ([SHOE, SHOE], "fields[1]"),
        ([ProfileField(key="Sko størrelse", label_nb="a", label_en="b")], "fields[0]"),
        ([ProfileField(key="a", label_nb=" ", label_en="b")], "fields[0]"),
        ([ProfileField(key="a", label_nb="a", label_en="b", kind="choice", options=["Én"])], "fields[0].options"),
        ([ProfileField(key="a", label_nb="a", label_en="b", kind="text", max_length=0)], "fields[0].max_length"),
    ]:
        with pytest.raises(DomainError) as error:
            clean_fields(fields)
        assert error.value.extra["field"] == where


def test_choice_options_are_tidied_and_number_fields_have_no_length() -> None:
    drink = ProfileField(key="d", label_nb="D", label_en="D", kind="choice", options=[" Latte ", "Latte", "Te", ""])
    assert clean_fields([drink])[0].options == ["Latte", "Te"]
    assert clean_fields([SHOE])[0].max_length == 0


def test_a_members_answers_are_checked_against_the_fields() -> None:
    fields = [SHOE, DRINK, NOTE]
    assert clean_extra({"sko": "42,5", "drikke": "Te", "hilsen": " Hei  du "}, fields) == {
        "sko": 42.5,
        "drikke": "Te",
        "hilsen": "Hei du",
    }
    assert clean_extra({"sko": 43, "drikke": "", "hilsen": None}, fields) == {"sko": 43}  # empty: cleared
    assert clean_extra({"fjernet": "x"}, fields) == {}  # a removed field's answer goes when the member saves
    for answers, key in [
        ({"sko": "stor"}, "sko"),
        ({"sko": True}, "sko"),
        ({"sko": "nan"}, "sko"),
        ({"drikke": "Cola"}, "drikke"),
        ({"hilsen": "x" * 11}, "hilsen"),
    ]:
        with pytest.raises(DomainError) as error:
            clean_extra(answers, fields)  # type: ignore[arg-type]
        assert error.value.extra["field"] == f"profile_extra.{key}"


def test_interests_need_their_own_codes_and_labels() -> None:
    coffee = Interest("kaffe", "Kaffe", "Coffee")
    assert clean_interests([coffee, Interest("te", " Te ", "Tea")])[1].label_nb == "Te"
    for wrong in ([coffee, coffee], [Interest("Kaffe og te", "K", "C")], [Interest("te", "", "Tea")]):
        with pytest.raises(DomainError):
            clean_interests(wrong)


# --- consent versions ---------------------------------------------------------------------------------


def v(version: int, reaccept: bool, at: datetime, purpose: str = "terms") -> Version:
    return Version(purpose, version, reaccept, at)


def test_the_newest_version_to_accept_again_is_the_cutoff_per_purpose() -> None:
    versions = [
        v(1, False, T0),
        v(2, True, T0 + timedelta(days=1)),
        v(3, False, T0 + timedelta(days=2)),
        v(2, True, T0 + timedelta(days=3), "marketing_push"),
    ]
    cutoffs = reaccept_cutoffs(versions)
    assert (cutoffs["terms"].version, cutoffs["marketing_push"].version) == (2, 2)
    assert "analysis" not in cutoffs


def test_which_consents_still_count() -> None:
    cutoff = v(2, True, T0 + timedelta(days=1))
    before, after = Acceptance(True, T0), Acceptance(True, T0 + timedelta(days=2))
    assert still_counts(before, None)  # no version asked for acceptance again
    assert not still_counts(before, cutoff) and needs_reaccept(before, cutoff)
    assert still_counts(after, cutoff) and not needs_reaccept(after, cutoff)
    assert still_counts(Acceptance(True, cutoff.published_at), cutoff)  # accepted the moment it came out
    withdrawn = Acceptance(False, T0)
    assert not still_counts(withdrawn, cutoff) and not needs_reaccept(withdrawn, cutoff)  # no: nothing to ask
    assert not still_counts(None, cutoff) and not needs_reaccept(None, cutoff)


def test_versions_count_up_and_texts_are_required_in_both_languages() -> None:
    assert next_version([]) == 1 and next_version([1, 3, 2]) == 4
    assert clean_body("  Ny tekst ", "New text") == ("Ny tekst", "New text")
    with pytest.raises(DomainError) as error:
        clean_body("Ny tekst", " ")
    assert error.value.extra["field"] == "body_en"
