"""Which channel a message goes by: consent per channel, best channel's order, the automatic messages,
the campaign SMS text and its cost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard import sms
from digital_stampcard.channels import (
    BEST_ORDER,
    CONSENT,
    Reachable,
    choice_for,
    marketing_sms,
    pick,
    sms_cost,
    stored_choice,
)

EVERYTHING = Reachable(push_device=True, email=True, phone=True, consents=frozenset(CONSENT.values()))


def test_best_channel_is_push_then_email_then_sms() -> None:
    assert pick("campaign", "best", EVERYTHING).channel == "push"
    no_push = Reachable(push_device=False, email=True, phone=True, consents=EVERYTHING.consents)
    assert pick("campaign", "best", no_push).channel == "email"
    only_phone = Reachable(push_device=False, email=False, phone=True, consents=EVERYTHING.consents)
    assert pick("campaign", "best", only_phone).channel == "sms"


def test_best_channel_skips_a_channel_without_its_consent() -> None:
    sms_only = Reachable(push_device=True, email=True, phone=True, consents=frozenset({"marketing_sms"}))
    assert pick("campaign", "best", sms_only).channel == "sms"


def test_no_consent_and_no_address_are_told_apart() -> None:
    silent = Reachable(push_device=True, email=True, phone=True)
    assert pick("campaign", "sms", silent).reason == "no_consent"
    no_number = Reachable(push_device=True, email=True, phone=False, consents=frozenset({"marketing_sms"}))
    assert pick("campaign", "sms", no_number).reason == "no_address"


def test_a_service_message_needs_no_marketing_consent() -> None:
    silent = Reachable(push_device=False, email=True, phone=True)
    assert pick("reward_ready", choice_for("reward_ready", None), silent).channel == "email"
    assert pick("we_miss_you", choice_for("we_miss_you", None), silent).reason == "no_consent"  # marketing


def test_only_some_automatic_messages_leave_push() -> None:
    assert {k: choice_for(k, None) for k in ("reward_ready", "birthday", "we_miss_you")} == dict.fromkeys(
        ("reward_ready", "birthday", "we_miss_you"), "best"
    )
    assert choice_for("stamp_received", None) == "push"  # an SMS per stamp would cost and tire
    assert choice_for("campaign", "sms") == "sms"
    assert stored_choice(None) == "push"  # a campaign from before channels existed


@given(
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.frozensets(st.sampled_from(sorted(CONSENT.values()))),
    st.sampled_from(["best", "push", "email", "sms"]),
)
def test_a_marketing_message_never_goes_by_a_channel_without_its_consent_or_address(
    push_device: bool, email: bool, phone: bool, consents: frozenset[str], choice: str
) -> None:
    member = Reachable(push_device=push_device, email=email, phone=phone, consents=consents)
    result = pick("campaign", stored_choice(choice), member)
    if result.channel is not None:
        assert CONSENT[result.channel] in consents
        assert {"push": push_device, "email": email, "sms": phone}[result.channel]
        if choice == "best":  # and no earlier channel in the order would have done
            earlier = BEST_ORDER[: BEST_ORDER.index(result.channel)]
            assert all(pick("campaign", c, member).channel is None for c in earlier)
        else:
            assert result.channel == choice


def test_the_campaign_sms_names_the_club_and_ends_with_the_opt_out_link() -> None:
    text = marketing_sms("Kaffebar", "Halv pris", "Kun i dag på kanelboller.", "https://k.no/u/abc", "nb")
    assert text == "Kaffebar: Halv pris\nKun i dag på kanelboller.\nStopp tilbud: https://k.no/u/abc"
    assert sms.segments(text).encoding == "GSM-7"  # æøå fit GSM-7
    english = marketing_sms("Kaffebar", "Half price", "Today only.", "https://k.no/u/abc", "en")
    assert english.endswith("Stop receiving offers: https://k.no/u/abc")


def test_the_sms_cost_is_each_languages_segments_times_its_readers() -> None:
    cost = sms_cost({"nb": 2, "en": 1}, {"nb": 10, "en": 4}, 0.45)
    assert (cost.messages, cost.segments, cost.nok) == (14, 24, 10.8)
