"""Push policy: consent, the weekly marketing cap, quiet hours across DST, texts, payload and retries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from digital_stampcard.errors import DomainError
from digital_stampcard.notifications import (
    ALL_KINDS,
    DELIVERY,
    IMMEDIATE_KINDS,
    MARKETING_KINDS,
    MAX_ATTEMPTS,
    SERVICE_KINDS,
    Decision,
    Delivery,
    Kind,
    MemberPushState,
    Notification,
    PushPolicy,
    decide,
    declarative_payload,
    dedupe_key,
    delivery_for,
    in_quiet_hours,
    is_marketing,
    next_quiet_end,
    render,
    retry_delay,
)

OSLO = ZoneInfo("Europe/Oslo")
POLICY = PushPolicy()
OPEN = MemberPushState(service_enabled=True, marketing_consent=True)
DEFERRABLE: list[Kind] = [k for k in ALL_KINDS if k not in IMMEDIATE_KINDS]


def oslo(y: int, mo: int, d: int, h: int, mi: int = 0, s: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=OSLO, fold=fold)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def local_hhmm(moment: datetime) -> tuple[int, int]:
    t = moment.astimezone(OSLO)
    return t.hour, t.minute


instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(UTC)
)  # covers both 2026 DST changes
# Instants that cluster around the 2026 DST nights, where off-by-an-hour bugs live.
dst_nights = st.sampled_from([oslo(2026, 3, 28, 20), oslo(2026, 10, 24, 20)]).flatmap(
    lambda start: st.integers(0, 14 * 3600).map(lambda s: start.astimezone(UTC) + timedelta(seconds=s))
)
any_instant = st.one_of(instants, dst_nights)


def windows_exceeded(times: list[datetime], cap: int) -> bool:
    """Brute force: does any 7-day window [t, t + 7 d) hold more than `cap` pushes?"""
    ordered = sorted(times)
    return any(sum(1 for u in ordered if t <= u < t + timedelta(days=7)) > cap for t in ordered)


# --- classification --------------------------------------------------------------------------------


def test_kinds_are_classified_as_the_brief_says() -> None:
    assert set(ALL_KINDS) == set(get_args(Kind))
    assert {"campaign", "we_miss_you"} == MARKETING_KINDS
    assert {
        "stamp_received",
        "reward_ready",
        "reward_expiring",
        "points_expiring",
        "tier_reached",
        "tier_demotion_warning",
        "welcome",
        "birthday",
        "anniversary",
        "surprise",
        "referral",
    } == SERVICE_KINDS
    assert {"stamp_received", "reward_ready", "welcome", "surprise"} == IMMEDIATE_KINDS
    assert [k for k in ALL_KINDS if is_marketing(k)] == ["we_miss_you", "campaign"]
    assert POLICY.marketing_per_week == 2 and (POLICY.quiet_start, POLICY.quiet_end) == (time(21), time(9))


# --- decide: consent and settings -------------------------------------------------------------------

DAYTIME = oslo(2026, 6, 10, 12)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_daytime_push_goes_out_now(kind: Kind) -> None:
    decision = decide(kind, DAYTIME, OPEN, POLICY)
    assert decision == Decision("send", DAYTIME.astimezone(UTC), "ok")
    assert decision.send_at.tzinfo is UTC


@pytest.mark.parametrize("kind", sorted(MARKETING_KINDS))
def test_no_marketing_without_consent(kind: Kind) -> None:
    state = MemberPushState(service_enabled=True, marketing_consent=False)
    assert decide(kind, DAYTIME, state, POLICY).reason == "no_consent"
    assert decide(kind, DAYTIME, state, POLICY).action == "skip"


@pytest.mark.parametrize("kind", sorted(SERVICE_KINDS))
def test_service_messages_need_no_marketing_consent_but_can_be_turned_off(kind: Kind) -> None:
    no_marketing = MemberPushState(service_enabled=True, marketing_consent=False)
    assert decide(kind, DAYTIME, no_marketing, POLICY).action == "send"
    off = MemberPushState(service_enabled=False, marketing_consent=True)
    assert decide(kind, DAYTIME, off, POLICY) == Decision("skip", DAYTIME.astimezone(UTC), "service_off")


def test_turning_service_messages_off_does_not_stop_offers_the_member_agreed_to() -> None:
    state = MemberPushState(service_enabled=False, marketing_consent=True)
    assert decide("campaign", DAYTIME, state, POLICY).action == "send"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_duplicate_is_never_sent_twice(kind: Kind) -> None:
    assert decide(kind, DAYTIME, OPEN, POLICY, duplicate=True).reason == "duplicate"
    assert decide(kind, oslo(2026, 6, 10, 23), OPEN, POLICY, duplicate=True).action == "skip"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        decide("campaign", datetime(2026, 6, 10, 12), OPEN, POLICY)


# --- decide: quiet hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "quiet"),
    [
        (oslo(2026, 6, 10, 20, 59, 59), False),
        (oslo(2026, 6, 10, 21, 0, 0), True),
        (oslo(2026, 6, 11, 3), True),
        (oslo(2026, 6, 11, 8, 59, 59), True),
        (oslo(2026, 6, 11, 9, 0, 0), False),
    ],
)
def test_quiet_hours_boundaries(now: datetime, quiet: bool) -> None:
    assert in_quiet_hours(now, POLICY) is quiet
    assert decide("reward_expiring", now, OPEN, POLICY).action == ("defer" if quiet else "send")


@pytest.mark.parametrize("kind", DEFERRABLE)
def test_a_night_message_waits_for_nine_in_the_morning(kind: Kind) -> None:
    decision = decide(kind, oslo(2026, 6, 10, 23, 30), OPEN, POLICY)
    assert decision == Decision("defer", oslo(2026, 6, 11, 9).astimezone(UTC), "quiet_hours")
    early = decide(kind, oslo(2026, 6, 11, 6, 15), OPEN, POLICY)
    assert early.send_at == oslo(2026, 6, 11, 9).astimezone(UTC)  # same morning, not the next day


@pytest.mark.parametrize("kind", sorted(IMMEDIATE_KINDS))
def test_till_confirmations_arrive_at_once_even_late(kind: Kind) -> None:
    late = oslo(2026, 6, 10, 22, 45)  # a late shop
    assert decide(kind, late, OPEN, POLICY) == Decision("send", late.astimezone(UTC), "ok")


@pytest.mark.parametrize(
    ("now", "expected_utc"),
    [
        # 2026-03-29: clocks go 02:00 CET -> 03:00 CEST; 09:00 CEST is 07:00 UTC
        (oslo(2026, 3, 28, 22), utc(2026, 3, 29, 7)),
        (oslo(2026, 3, 29, 1, 59), utc(2026, 3, 29, 7)),
        (oslo(2026, 3, 29, 3, 1), utc(2026, 3, 29, 7)),
        (oslo(2026, 3, 29, 21, 30), utc(2026, 3, 30, 7)),
        # 2026-10-25: clocks go 03:00 CEST -> 02:00 CET; 09:00 CET is 08:00 UTC
        (oslo(2026, 10, 24, 22), utc(2026, 10, 25, 8)),
        (oslo(2026, 10, 25, 2, 30, fold=0), utc(2026, 10, 25, 8)),  # first 02:30 (CEST)
        (oslo(2026, 10, 25, 2, 30, fold=1), utc(2026, 10, 25, 8)),  # second 02:30 (CET)
        (oslo(2026, 10, 25, 21, 30), utc(2026, 10, 26, 8)),
    ],
)
def test_dst_nights_still_defer_to_nine_local(now: datetime, expected_utc: datetime) -> None:
    decision = decide("tier_reached", now, OPEN, POLICY)
    assert decision.action == "defer"
    assert decision.send_at == expected_utc
    assert local_hhmm(decision.send_at) == (9, 0)
    assert next_quiet_end(now, POLICY) == expected_utc


def test_the_autumn_night_is_thirteen_hours_long() -> None:
    now = oslo(2026, 10, 24, 21)
    assert decide("birthday", now, OPEN, POLICY).send_at - now == timedelta(hours=13)


def test_custom_quiet_hours_that_do_not_wrap_midnight_and_none_at_all() -> None:
    lunch = PushPolicy(quiet_start=time(12), quiet_end=time(13))
    assert in_quiet_hours(oslo(2026, 6, 10, 12, 30), lunch)
    assert not in_quiet_hours(oslo(2026, 6, 10, 23), lunch)
    assert decide("campaign", oslo(2026, 6, 10, 12, 30), OPEN, lunch).send_at == oslo(2026, 6, 10, 13).astimezone(UTC)
    never = PushPolicy(quiet_start=time(9), quiet_end=time(9))
    assert decide("campaign", oslo(2026, 6, 10, 3), OPEN, never).action == "send"


def test_quiet_hours_follow_the_policy_time_zone() -> None:
    helsinki = PushPolicy(timezone="Europe/Helsinki")  # one hour ahead of Oslo
    now = oslo(2026, 6, 10, 20, 30)  # 21:30 in Helsinki
    assert not in_quiet_hours(now, POLICY)
    assert in_quiet_hours(now, helsinki)


@settings(max_examples=400)
@given(now=any_instant, kind=st.sampled_from(DEFERRABLE))
def test_deferred_is_never_dropped_and_never_lands_at_night(now: datetime, kind: Kind) -> None:
    decision = decide(kind, now, OPEN, POLICY)
    assert decision.action in ("send", "defer")
    assert not in_quiet_hours(decision.send_at, POLICY)
    assert (decision.action == "defer") == in_quiet_hours(now, POLICY)
    if decision.action == "defer":
        assert now < decision.send_at <= now + timedelta(hours=13)  # 13 h only on the autumn DST night
        assert local_hhmm(decision.send_at) == (9, 0)
    else:
        assert decision.send_at == now


@settings(max_examples=200)
@given(now=any_instant, kind=st.sampled_from(sorted(IMMEDIATE_KINDS)))
def test_till_confirmations_are_never_held_back(now: datetime, kind: Kind) -> None:
    assert decide(kind, now, OPEN, POLICY) == Decision("send", now, "ok")


# --- decide: weekly marketing cap -------------------------------------------------------------------


def test_a_third_offer_in_a_week_is_skipped_and_the_cap_frees_up_after_seven_days() -> None:
    first, second = oslo(2026, 6, 8, 12), oslo(2026, 6, 10, 12)
    state = MemberPushState(True, True, [first.astimezone(UTC), second.astimezone(UTC)])
    assert decide("campaign", oslo(2026, 6, 14, 12), state, POLICY).reason == "weekly_cap"
    assert decide("we_miss_you", oslo(2026, 6, 14, 12), state, POLICY).reason == "weekly_cap"  # same budget
    assert decide("campaign", oslo(2026, 6, 15, 11, 59), state, POLICY).reason == "weekly_cap"
    assert decide("campaign", oslo(2026, 6, 15, 12), state, POLICY).action == "send"  # `first` left the window


def test_service_messages_ignore_the_marketing_cap() -> None:
    now = oslo(2026, 6, 10, 12)
    state = MemberPushState(True, True, [now.astimezone(UTC)] * 5)
    assert decide("reward_expiring", now, state, POLICY).action == "send"


def test_the_cap_is_counted_when_the_deferred_push_arrives() -> None:
    now = oslo(2026, 6, 14, 23)  # Sunday night: the push will arrive Monday 09:00
    week_ago = (now - timedelta(days=7) + timedelta(minutes=30)).astimezone(UTC)  # inside 7 days of now only
    state = MemberPushState(True, True, [week_ago, week_ago])
    decision = decide("campaign", now, state, POLICY)
    assert decision == Decision("defer", oslo(2026, 6, 15, 9).astimezone(UTC), "quiet_hours")


def test_pushes_already_scheduled_for_the_morning_count() -> None:
    morning = oslo(2026, 6, 11, 9).astimezone(UTC)
    state = MemberPushState(True, True, [morning, morning])
    assert decide("campaign", oslo(2026, 6, 10, 23), state, POLICY) == Decision("skip", morning, "weekly_cap")
    later = MemberPushState(True, True, [oslo(2026, 6, 12, 12).astimezone(UTC)] * 2)  # scheduled after ours
    assert decide("campaign", oslo(2026, 6, 10, 12), later, POLICY).reason == "weekly_cap"


steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3 * 24 * 3600),  # seconds since the previous event
        st.sampled_from(ALL_KINDS),
        st.booleans(),  # marketing consent at that moment (it can be withdrawn and given again)
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(start=any_instant, events=steps, cap=st.integers(1, 4))
def test_simulated_weeks_never_exceed_the_cap_and_never_send_without_consent(
    start: datetime, events: list[tuple[int, Kind, bool]], cap: int
) -> None:
    policy = PushPolicy(marketing_per_week=cap)
    sent: list[datetime] = []
    now = start
    for gap, kind, consent in events:
        now += timedelta(seconds=gap)
        decision = decide(kind, now, MemberPushState(True, consent, list(sent)), policy)
        if kind in MARKETING_KINDS and decision.action != "skip":
            assert consent
            sent.append(decision.send_at)
    assert not windows_exceeded(sent, cap)


@settings(max_examples=300)
@given(
    now=instants,
    history=st.lists(st.integers(-10 * 24, 10 * 24).map(lambda h: timedelta(hours=h)), max_size=6),
    cap=st.integers(1, 3),
)
def test_the_cap_skips_exactly_when_the_push_would_overfill_a_week(
    now: datetime, history: list[timedelta], cap: int
) -> None:
    """Against any history, also pushes scheduled in the future: skip iff sending breaks the cap."""
    sent = [now + offset for offset in history]
    assume(not windows_exceeded(sent, cap))
    decision = decide("campaign", now, MemberPushState(True, True, sent), PushPolicy(marketing_per_week=cap))
    assert (decision.reason == "weekly_cap") == windows_exceeded([*sent, decision.send_at], cap)


# --- delivery headers -------------------------------------------------------------------------------


def test_delivery_settings_per_kind() -> None:
    h, d = 3600, 86400
    assert {k: (v.ttl, v.urgency, v.topic) for k, v in DELIVERY.items()} == {
        "stamp_received": (h, "high", "card"),
        "reward_ready": (d, "high", "rewards"),
        "reward_expiring": (d, "normal", None),
        "points_expiring": (d, "normal", "points"),
        "tier_reached": (2 * d, "normal", "tier"),
        "tier_demotion_warning": (3 * d, "low", "tier"),
        "birthday": (d, "normal", None),
        "anniversary": (d, "normal", None),
        "surprise": (d, "high", None),
        "referral": (2 * d, "normal", None),
        "we_miss_you": (3 * d, "low", None),
        "welcome": (d, "normal", None),
        "campaign": (2 * d, "normal", None),
    }


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_has_a_ttl_and_a_valid_topic(kind: Kind) -> None:
    delivery = delivery_for(kind)
    assert delivery.ttl > 0  # pywebpush's default 0 would drop it while the phone is offline
    assert delivery.urgency in ("very-low", "low", "normal", "high")
    if delivery.topic is not None:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", delivery.topic)


@given(st.integers(min_value=1, max_value=10**30))
def test_a_campaign_replaces_only_its_own_copies(campaign_id: int) -> None:
    """Topic `c{id}`: a resent copy replaces one the push service still holds, another campaign never does."""
    delivery = delivery_for("campaign", {"title": "Tilbud", "body": "Kom innom", "campaign_id": campaign_id})
    assert delivery.topic == f"c{campaign_id}" and re.fullmatch(r"[A-Za-z0-9_-]{1,32}", delivery.topic)
    assert (delivery.ttl, delivery.urgency) == (DELIVERY["campaign"].ttl, DELIVERY["campaign"].urgency)
    assert delivery_for("campaign", {"campaign_id": campaign_id + 1}).topic != delivery.topic


def test_topics_without_a_campaign_id_are_the_kinds_own() -> None:
    assert delivery_for("campaign", {"title": "Tilbud", "body": "Kom innom"}) == DELIVERY["campaign"]
    assert delivery_for("campaign") == DELIVERY["campaign"]
    assert delivery_for("stamp_received", {"campaign_id": 7}).topic == "card"  # only campaigns take the id
    with pytest.raises(ValueError):
        delivery_for("campaign", {"campaign_id": "1 2"})  # never an invalid Topic header
    with pytest.raises(ValueError):
        delivery_for("campaign", {"campaign_id": 10**31})  # 33 characters


@pytest.mark.parametrize("topic", ["", "a" * 33, "reward ready", "kø", "a/b", "a=b"])
def test_a_topic_outside_rfc_8030_is_refused(topic: str) -> None:
    with pytest.raises(ValueError):
        Delivery(60, "normal", topic)
    assert Delivery(60, "normal", "A-z_09" + "x" * 26).topic is not None  # 32 chars is fine


def test_a_zero_ttl_is_refused() -> None:
    with pytest.raises(ValueError):
        Delivery(0, "normal")


# --- texts ------------------------------------------------------------------------------------------

FULL_DATA: dict[str, str | int] = {
    "stamps": 7,
    "capacity": 10,
    "reward": "Gratis kaffe",
    "reward_id": 12,
    "days": 3,
    "points": 40,
    "years": 2,
    "tier": "Sølv",
    "needed": 2,
    "name": "Kari",
    "title": "Vafler i dag",
    "body": "Kom innom Majorstuen mellom 14 og 16.",
    "navigate": "/offers/3",
    "campaign_id": 3,
}


@pytest.mark.parametrize(
    ("kind", "lang", "title", "body", "navigate"),
    [
        ("stamp_received", "nb", "Stempel registrert", "Du har nå 7 av 10 stempler.", "/"),
        ("stamp_received", "en", "Stamp added", "You now have 7 of 10 stamps.", "/"),
        ("reward_ready", "nb", "Belønningen din er klar!", "Gratis kaffe venter på deg.", "/?reward=12"),
        ("reward_ready", "en", "Your reward is ready!", "Gratis kaffe is waiting for you.", "/?reward=12"),
        (
            "reward_expiring",
            "nb",
            "Gratis kaffe går ut om 3 dager",
            "Vis kortet i butikken for å bruke den.",
            "/?reward=12",
        ),
        (
            "reward_expiring",
            "en",
            "Gratis kaffe expires in 3 days",
            "Show your card in store to use it.",
            "/?reward=12",
        ),
        ("tier_reached", "nb", "Gratulerer, du er nå Sølv!", "Se de nye fordelene dine.", "/"),
        ("birthday", "nb", "Gratulerer med dagen, Kari!", "Vi har en gave til deg: Gratis kaffe.", "/?reward=12"),
        ("birthday", "en", "Happy birthday, Kari!", "We have a gift for you: Gratis kaffe.", "/?reward=12"),
        (
            "anniversary",
            "nb",
            "2 år i klubben!",
            "Takk for at du er med. Vi har en gave til deg: Gratis kaffe.",
            "/?reward=12",
        ),
        (
            "anniversary",
            "en",
            "2 years in the club!",
            "Thank you for being with us. We have a gift for you: Gratis kaffe.",
            "/?reward=12",
        ),
        (
            "surprise",
            "nb",
            "En liten overraskelse til deg",
            "Takk for besøket! Du har fått Gratis kaffe.",
            "/?reward=12",
        ),
        ("surprise", "en", "A little surprise for you", "Thanks for coming in! You got Gratis kaffe.", "/?reward=12"),
        ("we_miss_you", "nb", "Vi savner deg", "Det er en stund siden sist. Kortet ditt venter på deg.", "/"),
        ("campaign", "nb", "Vafler i dag", "Kom innom Majorstuen mellom 14 og 16.", "/offers/3"),
        ("campaign", "en", "Vafler i dag", "Kom innom Majorstuen mellom 14 og 16.", "/offers/3"),
    ],
)
def test_texts_the_member_reads(kind: Kind, lang: str, title: str, body: str, navigate: str) -> None:
    n = render(kind, lang, FULL_DATA)
    assert (n.title, n.body, n.navigate, n.lang) == (title, body, navigate, lang)


def test_demotion_warning_says_when_to_what_and_how_to_keep_the_tier() -> None:
    n = render("tier_demotion_warning", "nb", {"tier": "Bronse", "needed": 2})
    assert n.body == "Om 30 dager går du ned til Bronse, med mindre du samler 2 stempler til."
    en = render("tier_demotion_warning", "en", {"tier": "Bronze", "needed": 1, "days": 30})
    assert en.body == "In 30 days you move to Bronze unless you collect 1 stamp more."


@pytest.mark.parametrize(
    ("days", "nb", "en"),
    [(1, "Kaffe går ut om 1 dag", "Kaffe expires in 1 day"), (0, "Kaffe går ut i dag", "Kaffe expires today")],
)
def test_expiry_countdown_reads_naturally(days: int, nb: str, en: str) -> None:
    data: dict[str, str | int] = {"reward": "Kaffe", "reward_id": 1, "days": days}
    assert render("reward_expiring", "nb", data).title == nb
    assert render("reward_expiring", "en", data).title == en


def test_welcome_after_the_first_stamp_names_the_goal_when_known() -> None:
    assert render("welcome", "nb", {"capacity": 10, "reward": "Gratis kaffe"}).body == (
        "Det første stempelet ditt er registrert. Samle 10 og få Gratis kaffe."
    )
    assert render("welcome", "en", {}).body == "Your first stamp is in."


def test_birthday_without_a_name_or_reward_id() -> None:
    n = render("birthday", "nb", {"reward": "Kake"})
    assert (n.title, n.navigate) == ("Gratulerer med dagen!", "/")


def test_birthday_greeting_without_a_reward_when_the_owner_turned_it_off() -> None:
    assert render("birthday", "nb", {"name": "Kari"}).body == "Ha en fin dag!"
    assert render("birthday", "en", {"name": "Kari"}).body == "Have a lovely day!"


def test_same_reward_expiring_replaces_its_ready_notification_on_the_phone() -> None:
    assert render("reward_ready", "nb", FULL_DATA).tag == render("reward_expiring", "nb", FULL_DATA).tag
    assert (
        render("reward_ready", "nb", FULL_DATA).tag != render("reward_ready", "nb", {**FULL_DATA, "reward_id": 13}).tag
    )
    assert render("campaign", "nb", FULL_DATA).tag == "campaign-3"


def test_unknown_language_falls_back_to_bokmal() -> None:
    assert render("stamp_received", "de", FULL_DATA).title == "Stempel registrert"
    assert render("stamp_received", "de", FULL_DATA).lang == "nb"


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k != "campaign"])
def test_english_really_is_english(kind: Kind) -> None:
    nb, en = render(kind, "nb", FULL_DATA), render(kind, "en", FULL_DATA)
    assert (nb.title, nb.body) != (en.title, en.body)


@pytest.mark.parametrize("navigate", ["https://evil.example/", "//evil.example/x", "offers/3", "/\\evil", "/a b", ""])
def test_a_campaign_can_only_open_a_page_in_the_app(navigate: str) -> None:
    with pytest.raises(DomainError) as error:
        render("campaign", "nb", {"title": "Hei", "body": "Tilbud", "navigate": navigate})
    assert error.value.code == "invalid_navigate"


def test_missing_data_is_a_clear_error() -> None:
    with pytest.raises(DomainError) as error:
        render("stamp_received", "nb", {"stamps": 3})
    assert error.value.code == "notification_data_missing"
    with pytest.raises(DomainError) as empty:
        render("campaign", "nb", {"title": "  ", "body": "x"})
    assert empty.value.code == "notification_title_empty"


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() != ""
)


@settings(max_examples=300)
@given(
    kind=st.sampled_from(ALL_KINDS),
    lang=st.sampled_from(["nb", "en"]),
    name=names,
    reward=names,
    counts=st.tuples(st.integers(0, 50), st.integers(1, 50), st.integers(0, 400)),
    reward_id=st.one_of(st.integers(1, 10**9), names),
)
def test_every_kind_renders_non_empty_texts_that_open_the_app(
    kind: Kind, lang: str, name: str, reward: str, counts: tuple[int, int, int], reward_id: int | str
) -> None:
    stamps, capacity, days = counts
    data: dict[str, str | int] = {
        **FULL_DATA,
        "name": name,
        "reward": reward,
        "tier": name,
        "stamps": stamps,
        "capacity": capacity,
        "days": days,
        "needed": capacity,
        "reward_id": reward_id,
    }
    n = render(kind, lang, data)
    assert n.title.strip() and n.body.strip() and n.tag
    assert n.navigate.startswith("/") and not n.navigate.startswith("//")
    assert n.title.count("!") + n.body.count("!") <= 1 or kind == "campaign" or "!" in name + reward
    payload = declarative_payload(n)
    assert msgspec.json.decode(msgspec.json.encode(payload))["notification"]["navigate"] == n.navigate


# --- declarative payload ----------------------------------------------------------------------------


def test_payload_shape_for_declarative_web_push() -> None:
    n = render("reward_ready", "nb", FULL_DATA)
    assert declarative_payload(n) == {
        "web_push": 8030,
        "notification": {
            "title": "Belønningen din er klar!",
            "body": "Gratis kaffe venter på deg.",
            "navigate": "/?reward=12",
            "lang": "nb",
            "tag": "reward-12",
        },
    }


def test_the_app_badge_is_a_count_where_both_parsers_look() -> None:
    payload = declarative_payload(render("reward_ready", "en", FULL_DATA), badge=3)
    assert payload["app_badge"] == 3  # W3C Push API: top level, unsigned integer
    assert payload["notification"]["app_badge"] == 3  # WebKit reads it inside `notification`
    with pytest.raises(ValueError):
        declarative_payload(render("reward_ready", "en", FULL_DATA), badge=-1)


def test_origin_makes_navigate_absolute_for_safari() -> None:
    n = render("reward_ready", "nb", FULL_DATA)
    payload = declarative_payload(n, origin="https://klubb.example/")
    assert payload["notification"]["navigate"] == "https://klubb.example/?reward=12"
    for bad in ("klubb.example", "javascript:alert(1)", "https://klubb.example/side", "https://x.example?y=1"):
        with pytest.raises(ValueError):
            declarative_payload(n, origin=bad)


def test_payload_refuses_a_notification_that_leaves_the_app() -> None:
    with pytest.raises(DomainError):
        declarative_payload(Notification("Hei", "x", "https://evil.example", "t"))


@given(title=names, body=st.text(max_size=80), badge=st.one_of(st.none(), st.integers(0, 10**6)))
def test_payload_always_has_the_marker_and_a_title(title: str, body: str, badge: int | None) -> None:
    payload = declarative_payload(Notification(title, body, "/", "t", "en"), badge=badge)
    assert payload["web_push"] == 8030
    assert payload["notification"]["title"] == title
    assert ("app_badge" in payload) == (badge is not None)


# --- dedupe keys ------------------------------------------------------------------------------------


def test_dedupe_keys() -> None:
    assert dedupe_key("reward_ready", 12, "reward-88") == "reward_ready:12:reward-88"
    assert dedupe_key("campaign", 12, 7) == "campaign:12:7"
    assert dedupe_key("birthday", 12, 2026) == "birthday:12:2026"
    assert dedupe_key("we_miss_you", 12, date(2026, 3, 1)) == "we_miss_you:12:2026-03-01"
    with pytest.raises(ValueError):
        dedupe_key("campaign", 12, "")


def test_a_new_absence_or_a_new_year_is_a_new_message() -> None:
    assert dedupe_key("we_miss_you", 1, date(2026, 3, 1)) != dedupe_key("we_miss_you", 1, date(2026, 9, 1))
    assert dedupe_key("birthday", 1, 2026) != dedupe_key("birthday", 1, 2027)


@given(
    a=st.tuples(st.sampled_from(ALL_KINDS), st.integers(1, 10**9), st.text(min_size=1, max_size=20)),
    b=st.tuples(st.sampled_from(ALL_KINDS), st.integers(1, 10**9), st.text(min_size=1, max_size=20)),
)
def test_different_messages_never_share_a_key(a: tuple[Kind, int, str], b: tuple[Kind, int, str]) -> None:
    assert (dedupe_key(*a) == dedupe_key(*b)) == (a == b)


# --- retries ----------------------------------------------------------------------------------------


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    assert MAX_ATTEMPTS == 6
    assert [retry_delay(n, None, 0.0) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay(10_000, None, 0.0) == 3600


def test_retry_after_is_honoured() -> None:
    assert retry_delay(1, 120, 0.0) == 120  # the push service asked for two minutes
    assert retry_delay(5, 10, 0.0) == 480  # never sooner than our own backoff either
    assert retry_delay(1, 7200, 0.0) == 7200  # Retry-After beyond the cap still wins


def test_jitter_spreads_retries_by_up_to_a_fifth() -> None:
    assert retry_delay(1, None, 0.5) == pytest.approx(33.0)
    assert retry_delay(1, None, 0.999) < 36.0
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError):
            retry_delay(1, None, bad)
    with pytest.raises(ValueError):
        retry_delay(0, None, 0.0)


@given(
    attempt=st.integers(1, 60),
    retry_after=st.one_of(st.none(), st.floats(0, 86400)),
    jitter=st.floats(0, 1, exclude_max=True),
)
def test_retry_delay_is_bounded_and_grows_with_attempts(attempt: int, retry_after: float | None, jitter: float) -> None:
    delay = retry_delay(attempt, retry_after, jitter)
    floor = max(30.0, retry_after or 0.0)
    assert floor <= delay <= max(3600.0, retry_after or 0.0) * 1.2
    assert retry_delay(attempt + 1, retry_after, jitter) >= delay


def test_the_points_reminder_says_how_many_and_when() -> None:
    soon = render("points_expiring", "nb", {"points": 40, "days": 7})
    assert (soon.title, soon.navigate, soon.tag) == ("40 poeng går ut om 7 dager", "/", "points")
    assert render("points_expiring", "en", {"points": 1, "days": 0}).title == "1 point expiring today"
