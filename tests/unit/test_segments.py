"""Campaign segments: each filter, AND combination, consent, and early access for higher tiers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digital_stampcard.errors import DomainError
from digital_stampcard.segments import (
    MemberFacts,
    Segment,
    check_visit_range,
    early_access_send_at,
    matches,
    uses_history,
)

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)

KARI = MemberFacts(
    tier_code="solv",
    last_visit_at=NOW - timedelta(days=40),
    birthday=date(1990, 6, 3),
    interests=["kaffe", "bakst"],
    favourite_store_id=7,
    has_active_reward=True,
    analysis_consent=True,
    marketing_consent=True,
)


def facts(**changes: object) -> MemberFacts:
    return msgspec.structs.replace(KARI, **changes)


# (segment that matches KARI, segment with the same filter that does not)
SINGLE_FILTERS: dict[str, tuple[Segment, Segment]] = {
    "tiers": (Segment(tiers=["solv", "gull"]), Segment(tiers=["gull"])),
    "last_visit_before": (
        Segment(last_visit_before=NOW - timedelta(days=30)),
        Segment(last_visit_before=NOW - timedelta(days=60)),
    ),
    "last_visit_after": (
        Segment(last_visit_after=NOW - timedelta(days=60)),
        Segment(last_visit_after=NOW - timedelta(days=30)),
    ),
    "birthday_month": (Segment(birthday_month=6), Segment(birthday_month=7)),
    "interests_any": (Segment(interests_any=["te", "bakst"]), Segment(interests_any=["te"])),
    "favourite_store_id": (Segment(favourite_store_id=7), Segment(favourite_store_id=8)),
    "has_active_reward": (Segment(has_active_reward=True), Segment(has_active_reward=False)),
}
HISTORY = {"last_visit_before", "last_visit_after", "interests_any", "favourite_store_id", "has_active_reward"}


@pytest.mark.parametrize("name", sorted(SINGLE_FILTERS))
def test_each_filter_alone(name: str) -> None:
    hit, miss = SINGLE_FILTERS[name]
    assert matches(hit, KARI)
    assert not matches(miss, KARI)


def test_an_empty_segment_reaches_every_member_who_allows_offers() -> None:
    assert matches(Segment(), KARI)
    assert matches(Segment(), MemberFacts(tier_code="bronse", marketing_consent=True))


@given(segment=st.sampled_from([s for pair in SINGLE_FILTERS.values() for s in pair] + [Segment()]))
def test_nobody_without_marketing_consent_is_ever_targeted(segment: Segment) -> None:
    assert not matches(segment, facts(marketing_consent=False))


def test_filters_combine_with_and() -> None:
    both = Segment(tiers=["solv"], birthday_month=6)
    assert matches(both, KARI)
    assert not matches(both, facts(tier_code="gull"))
    assert not matches(both, facts(birthday=date(1990, 7, 3)))
    lapsed_coffee = Segment(last_visit_before=NOW - timedelta(days=30), interests_any=["kaffe"], favourite_store_id=7)
    assert matches(lapsed_coffee, KARI)
    assert not matches(lapsed_coffee, facts(interests=["te"]))
    assert not matches(lapsed_coffee, facts(last_visit_at=NOW - timedelta(days=2)))


@pytest.mark.parametrize("name", sorted(HISTORY))
def test_history_and_preference_filters_need_the_analysis_consent(name: str) -> None:
    hit, _ = SINGLE_FILTERS[name]
    assert uses_history(hit)
    assert not matches(hit, facts(analysis_consent=False))  # never profiled without consent


@pytest.mark.parametrize("name", sorted(set(SINGLE_FILTERS) - HISTORY))
def test_tier_and_birthday_month_do_not_need_it(name: str) -> None:
    hit, _ = SINGLE_FILTERS[name]
    assert not uses_history(hit)
    assert matches(hit, facts(analysis_consent=False))


def test_a_member_who_refused_analysis_still_gets_general_offers() -> None:
    refuser = facts(analysis_consent=False)
    assert matches(Segment(), refuser)
    assert not matches(Segment(tiers=["solv"], interests_any=["kaffe"]), refuser)


def test_last_visit_bounds_and_members_who_never_visited() -> None:
    cutoff = KARI.last_visit_at
    assert cutoff is not None
    assert not matches(Segment(last_visit_before=cutoff), KARI)  # strictly before
    assert matches(Segment(last_visit_after=cutoff), KARI)  # at or after
    never = facts(last_visit_at=None)
    assert not matches(Segment(last_visit_before=NOW), never)
    assert not matches(Segment(last_visit_after=NOW - timedelta(days=3650)), never)


def test_members_without_a_birthday_are_not_in_a_birthday_month() -> None:
    assert not matches(Segment(birthday_month=6), facts(birthday=None))


def test_empty_lists_match_nobody() -> None:
    assert not matches(Segment(tiers=[]), KARI)
    assert not matches(Segment(interests_any=[]), KARI)


def test_bad_segments_are_refused() -> None:
    with pytest.raises(ValueError):
        Segment(birthday_month=13)
    with pytest.raises(ValueError):
        Segment(last_visit_before=datetime(2026, 1, 1))
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"birthday_month": 0}', type=Segment)
    decoded = msgspec.json.decode(b'{"tiers": ["gull"], "has_active_reward": true}', type=Segment)
    assert decoded == Segment(tiers=["gull"], has_active_reward=True)


segments = st.builds(
    Segment,
    tiers=st.none() | st.lists(st.sampled_from(["bronse", "solv", "gull"]), max_size=3),
    last_visit_before=st.none() | st.integers(0, 90).map(lambda d: NOW - timedelta(days=d)),
    last_visit_after=st.none() | st.integers(0, 90).map(lambda d: NOW - timedelta(days=d)),
    birthday_month=st.none() | st.integers(1, 12),
    interests_any=st.none() | st.lists(st.sampled_from(["kaffe", "te", "bakst"]), max_size=3),
    favourite_store_id=st.none() | st.integers(1, 3),
    has_active_reward=st.none() | st.booleans(),
)
members = st.builds(
    MemberFacts,
    tier_code=st.sampled_from(["bronse", "solv", "gull"]),
    last_visit_at=st.none() | st.integers(0, 90).map(lambda d: NOW - timedelta(days=d)),
    birthday=st.none() | st.dates(date(1940, 1, 1), date(2010, 12, 31)),
    interests=st.lists(st.sampled_from(["kaffe", "te", "bakst"]), max_size=3),
    favourite_store_id=st.none() | st.integers(1, 3),
    has_active_reward=st.booleans(),
    analysis_consent=st.booleans(),
    marketing_consent=st.booleans(),
)


@settings(max_examples=400)
@given(segment=segments, member=members)
def test_a_segment_is_the_and_of_its_filters(segment: Segment, member: MemberFacts) -> None:
    singles = [
        Segment(**{field: value})
        for field in Segment.__struct_fields__
        if (value := getattr(segment, field)) is not None
    ]
    assert matches(segment, member) == all(matches(single, member) for single in [Segment(), *singles])
    if matches(segment, member):
        assert member.marketing_consent
        assert member.analysis_consent or not uses_history(segment)


def test_higher_tiers_get_the_campaign_early() -> None:
    base = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    lead = timedelta(hours=1)
    assert early_access_send_at(base, "gull", ["gull", "solv"], lead) == base - lead
    assert early_access_send_at(base, "solv", ["gull", "solv"], lead) == base - lead
    assert early_access_send_at(base, "bronse", ["gull", "solv"], lead) == base
    assert early_access_send_at(base, "gull", [], lead) == base
    with pytest.raises(ValueError):
        early_access_send_at(base, "gull", ["gull"], timedelta(hours=-1))


def test_a_visit_range_that_reaches_nobody_is_refused() -> None:
    first, second = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    check_visit_range(first, second)
    check_visit_range(None, second)
    check_visit_range(first, None)
    for after, before in ((second, first), (first, first)):
        with pytest.raises(DomainError) as err:
            check_visit_range(after, before)
        assert err.value.code == "campaign_visit_range_empty" and err.value.extra["field"] == "last_visit_after"
