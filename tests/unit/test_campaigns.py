"""Campaign rules: texts, where a tap leads, the schedule with early access, and what the owner sees."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard.campaigns import (
    BODY_MAX,
    TITLE_MAX,
    Message,
    clean_message,
    navigate_for,
    schedule,
    status_of,
)
from digital_stampcard.clock import OSLO
from digital_stampcard.errors import DomainError
from digital_stampcard.notifications import safe_path
from digital_stampcard.segments import MemberFacts, Segment, exclusion

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_texts_are_put_on_one_line_and_trimmed() -> None:
    message = clean_message("  Vinter\n kaffe ", "Ny\tblanding  i dag.", None, "  ")
    assert message == Message(title="Vinter kaffe", body="Ny blanding i dag.")


@pytest.mark.parametrize(
    ("texts", "code"),
    [
        (("", "x", None, None), "campaign_title_missing"),
        (("x", " \n ", None, None), "campaign_body_missing"),
        (("x" * (TITLE_MAX + 1), "x", None, None), "campaign_title_too_long"),
        (("x", "x" * (BODY_MAX + 1), None, None), "campaign_body_too_long"),
        (("x", "x", "Title", None), "campaign_body_en_missing"),
        (("x", "x", None, "Body"), "campaign_title_en_missing"),
    ],
)
def test_bad_texts_name_their_field(texts: tuple[str, str, str | None, str | None], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        clean_message(*texts)
    assert refused.value.code == code and refused.value.extra["field"] in code


def test_english_is_used_only_for_english_members_and_only_when_written() -> None:
    both = Message(title="Hei", body="Tilbud", title_en="Hi", body_en="Offer")
    assert both.for_lang("en") == ("Hi", "Offer")
    assert both.for_lang("nb") == ("Hei", "Tilbud")
    assert Message(title="Hei", body="Tilbud").for_lang("en") == ("Hei", "Tilbud")


@pytest.mark.parametrize(("target", "path"), [("offer", "/offer/7"), ("card", "/"), ("rewards", "/?show=rewards")])
def test_a_tap_opens_a_page_in_the_app(target: str, path: str) -> None:
    assert navigate_for(target, 7) == path  # type: ignore[arg-type]
    assert safe_path(path) == path


def test_send_now_without_early_access_is_now() -> None:
    plan = schedule(None, timedelta(0), NOW)
    assert plan.send_at == plan.release_at == NOW


def test_send_now_with_a_head_start_sends_the_early_tiers_now() -> None:
    plan = schedule(None, timedelta(hours=2), NOW)
    assert (plan.release_at, plan.send_at) == (NOW, NOW + timedelta(hours=2))


def test_a_planned_time_keeps_its_head_start_and_comes_back_in_utc() -> None:
    at = datetime(2026, 11, 26, 12, 0, tzinfo=OSLO)
    plan = schedule(at, timedelta(hours=1), NOW)
    assert plan.send_at == at and plan.send_at.tzinfo is UTC
    assert plan.release_at == at - timedelta(hours=1)


def test_a_head_start_that_would_begin_in_the_past_is_refused_not_moved() -> None:
    with pytest.raises(DomainError) as refused:
        schedule(NOW + timedelta(minutes=30), timedelta(hours=2), NOW)
    assert refused.value.code == "campaign_head_start_past" and refused.value.extra["field"] == "early_access"


@pytest.mark.parametrize(
    ("requested", "lead", "code"),
    [
        (NOW - timedelta(minutes=6), timedelta(0), "campaign_time_past"),
        (NOW + timedelta(days=400), timedelta(0), "campaign_time_too_far"),
        (datetime(2026, 12, 1, 12, 0), timedelta(0), "campaign_time_invalid"),
        (None, timedelta(days=8), "campaign_lead_invalid"),
    ],
)
def test_impossible_times_are_refused(requested: datetime | None, lead: timedelta, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        schedule(requested, lead, NOW)
    assert refused.value.code == code


def test_a_moment_ago_still_means_now() -> None:
    assert schedule(NOW - timedelta(minutes=2), timedelta(0), NOW).send_at == NOW


@pytest.mark.parametrize(
    ("stored", "unfinished", "shown"),
    [("scheduled", 0, "scheduled"), ("cancelled", 0, "cancelled"), ("released", 3, "sending"), ("released", 0, "sent")],
)
def test_what_the_owner_sees(stored: str, unfinished: int, shown: str) -> None:
    assert status_of(stored, unfinished) == shown


facts = st.builds(
    MemberFacts,
    tier_code=st.sampled_from(["bronse", "solv", "gull"]),
    last_visit_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    birthday=st.none() | st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)),
    interests=st.lists(st.sampled_from(["kaffe", "te", "bakst"]), unique=True),
    favourite_store_id=st.none() | st.integers(1, 3),
    has_active_reward=st.booleans(),
    analysis_consent=st.booleans(),
    marketing_consent=st.booleans(),
)
segments = st.builds(
    Segment,
    tiers=st.none() | st.lists(st.sampled_from(["bronse", "solv", "gull"]), unique=True),
    birthday_month=st.none() | st.integers(1, 12),
    interests_any=st.none() | st.lists(st.sampled_from(["kaffe", "te", "bakst"]), unique=True),
    favourite_store_id=st.none() | st.integers(1, 3),
    has_active_reward=st.none() | st.booleans(),
)


@given(segment=segments, member=facts)
def test_history_is_never_looked_at_without_the_analysis_consent(segment: Segment, member: MemberFacts) -> None:
    """Changing a non-consenting member's history can never change the verdict about them."""
    forgetful = MemberFacts(
        tier_code=member.tier_code,
        birthday=member.birthday,
        analysis_consent=False,
        marketing_consent=member.marketing_consent,
    )
    remembered = MemberFacts(
        tier_code=member.tier_code,
        birthday=member.birthday,
        last_visit_at=member.last_visit_at,
        interests=member.interests,
        favourite_store_id=member.favourite_store_id,
        has_active_reward=member.has_active_reward,
        analysis_consent=False,
        marketing_consent=member.marketing_consent,
    )
    assert exclusion(segment, forgetful) == exclusion(segment, remembered)


@given(segment=segments, member=facts)
def test_nobody_is_reached_without_the_marketing_consent(segment: Segment, member: MemberFacts) -> None:
    if not member.marketing_consent:
        assert exclusion(segment, member) in ("outside_segment", "no_marketing_consent")
