"""Store and staff rules: opening hours, slugs, time zones, roles, the last owner, invite links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard import staff, stores
from digital_stampcard.errors import DomainError
from digital_stampcard.stores import Interval

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Oslo


def hhmm(minute: int) -> str:
    return "24:00" if minute == 24 * 60 else f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def valid_day(draw: st.DrawFn) -> list[Interval]:
    """Up to three ordered, non-overlapping intervals within a day."""
    cuts = sorted(draw(st.sets(st.integers(0, 24 * 60), min_size=0, max_size=6)))
    cuts = cuts[: len(cuts) // 2 * 2]
    intervals = [Interval(hhmm(cuts[i]), hhmm(cuts[i + 1])) for i in range(0, len(cuts), 2)]
    return [i for i in intervals if i.opens != "24:00"]


@given(st.dictionaries(st.sampled_from(stores.WEEKDAYS), valid_day()), st.randoms())
def test_valid_hours_come_back_complete_and_sorted(week: dict[str, list[Interval]], rnd: object) -> None:
    shuffled = {day: sorted(intervals, key=lambda _: rnd.random()) for day, intervals in week.items()}  # type: ignore[attr-defined]
    clean = stores.clean_opening_hours(shuffled)
    assert list(clean) == list(stores.WEEKDAYS)
    for day in stores.WEEKDAYS:
        assert clean[day] == week.get(day, [])
    assert stores.clean_opening_hours(clean) == clean  # idempotent


@given(st.integers(0, 23 * 60 + 59), st.integers(0, 23 * 60 + 59))
def test_closing_before_opening_is_refused(a: int, b: int) -> None:
    opens, closes = max(a, b), min(a, b)
    with pytest.raises(DomainError) as refused:
        stores.clean_opening_hours({"wed": [Interval(hhmm(opens), hhmm(closes))]})
    assert refused.value.code == "store_hours_order" and refused.value.extra["field"] == "opening_hours.wed"


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ([Interval("08:00", "12:00"), Interval("11:59", "15:00")], "store_hours_overlap"),
        ([Interval("8:00", "12:00")], "store_hours_invalid"),
        ([Interval("08:00", "24:01")], "store_hours_invalid"),
        ([Interval("24:00", "24:00")], "store_hours_invalid"),
        (
            [
                Interval("06:00", "07:00"),
                Interval("08:00", "09:00"),
                Interval("10:00", "11:00"),
                Interval("12:00", "13:00"),
            ],
            "store_hours_too_many",
        ),
    ],
)
def test_bad_days_are_refused(day: list[Interval], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        stores.clean_opening_hours({"fri": day})
    assert refused.value.code == code


def test_a_split_day_touching_at_lunch_is_fine() -> None:
    day = [Interval("13:00", "16:00"), Interval("09:00", "13:00")]
    assert stores.clean_opening_hours({"sat": day})["sat"] == [Interval("09:00", "13:00"), Interval("13:00", "16:00")]


def test_open_now_reads_the_store_clock_and_midnight() -> None:
    hours = stores.clean_opening_hours({"tue": [Interval("11:00", "24:00")]})
    assert stores.is_open(hours, "Europe/Oslo", NOW)  # 11:00 in Oslo
    assert not stores.is_open(hours, "Europe/London", NOW)  # 10:00 in London
    assert stores.is_open(hours, "Europe/Oslo", NOW + timedelta(hours=12, minutes=59))  # 23:59
    assert not stores.is_open(hours, "Europe/Oslo", NOW + timedelta(hours=13))  # Wednesday 00:00


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Grünerløkka", "grunerlokka"), ("Torget Ålesund", "torget-alesund"), ("Bæ & Ø!", "bae-o"), ("???", "butikk")],
)
def test_slugs(name: str, slug: str) -> None:
    assert stores.slugify(name) == slug


@given(st.text(max_size=200), st.sets(st.text(max_size=10), max_size=5))
def test_slugs_are_url_safe_short_and_unique(name: str, taken: set[str]) -> None:
    slug = stores.unique_slug(name, taken)
    assert slug not in taken and 0 < len(slug) <= stores.SLUG_MAX
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime"])
def test_unknown_time_zones_are_refused(zone: str) -> None:
    with pytest.raises(DomainError):
        stores.clean_timezone(zone)


def test_store_texts_are_tidied() -> None:
    draft = stores.clean_store("  Torget \n Nord ", " Torget  1 ", " Europe/Oslo ", {})
    assert (draft.name, draft.address, draft.timezone) == ("Torget Nord", "Torget 1", "Europe/Oslo")


@pytest.mark.parametrize(
    ("role", "store", "ok"),
    [
        ("staff", 1, True),
        ("manager", 1, True),
        ("owner", None, True),
        ("owner", 1, True),
        ("staff", None, False),
        ("manager", None, False),
        ("admin", 1, False),
    ],
)
def test_roles_and_stores(role: str, store: int | None, ok: bool) -> None:
    if ok:
        staff.check_role_store(role, store)
    else:
        with pytest.raises(DomainError):
            staff.check_role_store(role, store)


@given(st.booleans(), st.integers(0, 5), st.booleans())
def test_the_club_never_loses_its_last_owner(target_is_owner: bool, owners: int, loses: bool) -> None:
    try:
        staff.check_keeps_an_owner(target_is_active_owner=target_is_owner, active_owners=owners, loses_owner=loses)
        refused = False
    except DomainError as err:
        assert err.code == "last_owner" and err.kind == "conflict"
        refused = True
    assert refused == (target_is_owner and loses and owners <= 1)


def test_invite_tokens_are_256_bit_and_stored_hashed() -> None:
    token, digest = staff.new_invite_token(bytes(range(32)))
    assert len(token) == 43 and len(digest) == 64 and token not in digest
    assert staff.hash_invite_token(token) == digest and staff.new_invite_token(bytes(32))[0] != token
    with pytest.raises(ValueError):
        staff.new_invite_token(bytes(16))  # too few random bits for a link that is the secret


def test_invite_links_expire_after_72_hours_and_work_once() -> None:
    expires = staff.invite_expires_at(NOW)
    assert expires - NOW == timedelta(hours=72)
    staff.check_invite_usable(expires_at=expires, used_at=None, revoked_at=None, now=expires - timedelta(seconds=1))
    for kwargs, code in [
        ({"now": expires}, "invite_expired"),
        ({"used_at": NOW}, "invite_used"),
        ({"revoked_at": NOW}, "invite_revoked"),
    ]:
        args = {"expires_at": expires, "used_at": None, "revoked_at": None, "now": NOW, **kwargs}
        with pytest.raises(DomainError) as refused:
            staff.check_invite_usable(**args)  # type: ignore[arg-type]
        assert refused.value.code == code and refused.value.kind == "gone"


@pytest.mark.parametrize(
    ("raw", "ok"),
    [(" Kari ", "kari"), ("kari.nord-1", "kari.nord-1"), ("ka", None), ("kari nord", None), ("-kari", None)],
)
def test_usernames(raw: str, ok: str | None) -> None:
    if ok:
        assert staff.clean_username(raw) == ok
    else:
        with pytest.raises(DomainError):
            staff.clean_username(raw)


def test_passwords_and_emails() -> None:
    staff.check_password("kanelsnurr", "kari")
    for password, code in [
        ("kort", "password_too_short"),
        ("x" * 201, "password_too_long"),
        ("KARI-NORDMANN", "password_is_username"),
    ]:
        with pytest.raises(DomainError) as refused:
            staff.check_password(password, "kari-nordmann")
        assert refused.value.code == code
    assert staff.clean_email(" Kari@Example.COM ") == "kari@example.com"
    for bad in ["kari", "+4791234567", "a@b"]:
        with pytest.raises(DomainError):
            staff.clean_email(bad)
