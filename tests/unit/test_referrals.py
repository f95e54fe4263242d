"""Referral rules: the code, self-referral, the monthly cap by Oslo calendar month, the push text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard import notifications
from digital_stampcard.bonuses import BonusSettings, clean_bonuses
from digital_stampcard.errors import DomainError
from digital_stampcard.referrals import (
    ALPHABET,
    OSLO,
    Joiner,
    Referrer,
    decide,
    month_bounds,
    new_code,
    normalise_code,
    refusal,
)

REFERRER = Referrer(addresses=frozenset({"+4791234567", "kari@example.no"}), device_keys=frozenset({"KEY-A", "KEY-B"}))
STRANGER = Joiner(address="+4792345678", device_key="KEY-Z", signed_in_as_referrer=False)


@given(st.binary(min_size=5, max_size=5))
def test_a_code_is_eight_unambiguous_characters_and_reads_back(random_bytes: bytes) -> None:
    code = new_code(random_bytes)
    assert len(code) == 8 and set(code) <= set(ALPHABET)
    assert normalise_code(code) == code
    assert normalise_code(f" {code[:4].lower()}-{code[4:]} ") == code  # typed from a screen


def test_different_bytes_make_different_codes_and_junk_is_no_code() -> None:
    assert new_code(b"\x00" * 5) == "00000000" and new_code(b"\xff" * 5) == "ZZZZZZZZ"
    assert len({new_code(i.to_bytes(5, "big")) for i in range(1000)}) == 1000
    for junk in ("", "ABC", "ABCDEFGHI", "ABCDEFGU", "ABCDEFG!", "ABCDEFGO"):
        assert normalise_code(junk) is None
    with pytest.raises(ValueError):
        new_code(b"1234")


def test_a_stranger_can_be_referred() -> None:
    assert refusal(REFERRER, STRANGER) is None


@pytest.mark.parametrize(
    "joiner",
    [
        Joiner("+4791234567", "KEY-Z", False),  # the same phone
        Joiner("kari@example.no", "KEY-Z", False),  # the same e-mail
        Joiner("+4792345678", "KEY-B", False),  # the referrer's phone, another number
        Joiner("+4792345678", "KEY-Z", True),  # the referrer's own signed-in browser
    ],
)
def test_the_same_person_or_device_is_refused(joiner: Joiner) -> None:
    assert refusal(REFERRER, joiner) == "self_referral"


def test_an_unknown_code_or_a_member_who_left_does_not_count() -> None:
    assert refusal(None, STRANGER) == "unknown_code"
    left = Referrer(addresses=frozenset(), device_keys=frozenset(), left=True)
    assert refusal(left, STRANGER) == "unknown_code"


def test_the_monthly_cap() -> None:
    assert [decide(rewarded_this_month=n, monthly_cap=5, referrer_left=False) for n in range(7)] == [
        *["rewarded"] * 5,
        "capped",
        "capped",
    ]
    assert decide(rewarded_this_month=0, monthly_cap=0, referrer_left=False) == "capped"  # 0 rewards none
    assert decide(rewarded_this_month=0, monthly_cap=5, referrer_left=True) == "referrer_left"


def test_the_month_is_the_oslo_calendar_month() -> None:
    # 30 November 23:30 UTC is already 1 December in Oslo (UTC+1).
    start, end = month_bounds(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 11, 30, 23, 0, tzinfo=UTC), datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    # Summer time: March starts at UTC+1 and ends at UTC+2; December rolls into January.
    assert month_bounds(datetime(2026, 3, 15, tzinfo=UTC)) == (
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
    )
    assert month_bounds(datetime(2026, 12, 31, 22, 59, tzinfo=UTC))[1] == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        month_bounds(datetime(2026, 11, 1))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_every_moment_lies_in_its_own_oslo_month(now: datetime) -> None:
    start, end = month_bounds(now)
    assert start <= now < end
    local_start, local_end = start.astimezone(OSLO), end.astimezone(OSLO)
    assert (local_start.day, local_start.hour, local_end.day, local_end.hour) == (1, 0, 1, 0)
    assert local_start.month == now.astimezone(OSLO).month
    assert month_bounds(end)[0] == end and month_bounds(start - timedelta(microseconds=1))[1] == start


def test_the_cap_is_a_club_setting_with_limits() -> None:
    assert BonusSettings().referral_monthly_cap == 5
    assert clean_bonuses(BonusSettings(referral_monthly_cap=0, referral_reward_text="  Gratis  bolle ")) == (
        BonusSettings(referral_monthly_cap=0, referral_reward_text="Gratis bolle")
    )
    for wrong in (BonusSettings(referral_monthly_cap=-1), BonusSettings(referral_monthly_cap=101)):
        with pytest.raises(DomainError) as refused:
            clean_bonuses(wrong)
        assert refused.value.extra["field"] == "referral_monthly_cap"


@pytest.mark.parametrize(
    ("lang", "title", "body"),
    [
        (
            "nb",
            "Takk for at du vervet en venn!",
            "Vennen din har vært innom for første gang. Du har fått Gratis bolle.",
        ),
        ("en", "Thanks for bringing a friend!", "Your friend has been in for the first time. You got Gratis bolle."),
    ],
)
def test_the_referrers_push(lang: str, title: str, body: str) -> None:
    shown = notifications.render("referral", lang, {"reward": "Gratis bolle", "reward_id": 7})
    assert (shown.title, shown.body, shown.navigate, shown.tag) == (title, body, "/?reward=7", "referral-7")
    assert "referral" in notifications.SERVICE_KINDS and "referral" not in notifications.IMMEDIATE_KINDS
