"""Min side's consent states and event sources, and the 30-day wait for a birthday reward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digital_stampcard.birthdays import reward_allowed
from digital_stampcard.consent_history import source_of, state_of
from digital_stampcard.consents import Acceptance, Version

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
REACCEPT = Version("marketing_email", 2, True, NOW)


def test_state_of_each_kind_of_latest_event() -> None:
    assert state_of(None, None) == "not_given"
    assert state_of(Acceptance(False, NOW), None) == "withdrawn"
    assert state_of(Acceptance(True, NOW - timedelta(days=1)), None) == "given"
    assert state_of(Acceptance(True, NOW + timedelta(seconds=1)), REACCEPT) == "given"  # yes to the new text


def test_a_yes_before_a_text_that_asks_again_needs_renewal_but_a_no_stays_a_no() -> None:
    assert state_of(Acceptance(True, NOW - timedelta(seconds=1)), REACCEPT) == "renew"
    assert state_of(Acceptance(False, NOW - timedelta(seconds=1)), REACCEPT) == "withdrawn"


def test_sources_name_the_place_and_the_store() -> None:
    assert source_of("join_form") == ("join_form", None)
    assert source_of("poster:sentrum") == ("poster", "sentrum")
    assert source_of("staff:bryggen") == ("staff", "bryggen")
    assert source_of("renewal_prompt") == ("renewal", None)
    assert source_of("member_left") == ("left", None)
    assert source_of("min_side") == ("min_side", None)
    assert source_of("something_new") == (None, None)


def test_a_birthday_set_within_30_days_gets_no_reward() -> None:
    assert not reward_allowed(NOW, NOW)
    assert not reward_allowed(NOW - timedelta(days=29, hours=23), NOW)
    assert reward_allowed(NOW - timedelta(days=30), NOW)
    assert reward_allowed(NOW - timedelta(days=31), NOW)


def test_a_birthday_from_before_the_time_was_recorded_counts() -> None:
    assert reward_allowed(None, NOW)
