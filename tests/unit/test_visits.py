"""What follows a visit, decided in one place (`digital_stampcard.visits`), and the rules it leans on:
undo at the till, taking a visit's gifts back, the till's stamp count, QR-only redemption, the
29 February birthday, expiry notices and the demotion warning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from digital_stampcard import visits
from digital_stampcard.birthdays import is_birthday
from digital_stampcard.effects import Granted, Push, Webhook
from digital_stampcard.errors import DomainError
from digital_stampcard.purchases import stamp_reason, stamps_asked
from digital_stampcard.referrals import take_back
from digital_stampcard.rewards import check_redeem_method, expiry_notice_days
from digital_stampcard.tiers import DEFAULT_TIERS, EARNING_KINDS, Tier, demotion_warning
from digital_stampcard.undo import can_be_undone, check_undo, plan_undo_stamps

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BRONZE, SILVER, GOLD = DEFAULT_TIERS
LADDER = [BRONZE, Tier("solv", "Sølv", "Silver", 10, extra_reward_text="Gratis bolle"), GOLD]


def facts(**changes: object) -> visits.VisitFacts:
    base: dict[str, object] = {
        "club": visits.ClubBonuses(),
        "program_reward": "Gratis kaffe",
        "staff_stamps": 3,
        "welcome_given": False,
        "draw": 0.99,
        "surprised_today": False,
        "referral": None,
        "tier_before": BRONZE,
        "tier_after": BRONZE,
        "ladder": LADDER,
        "tier_rewards_given": frozenset(),
    }
    return visits.VisitFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_an_ordinary_visit_brings_no_bonus() -> None:
    plan = visits.plan_visit(facts())
    assert plan == visits.VisitPlan(0, None, None, BRONZE, ())


def test_the_welcome_bonus_comes_once_with_the_first_staff_stamp() -> None:
    club = visits.ClubBonuses(welcome_bonus_stamps=2)
    assert visits.plan_visit(facts(club=club, staff_stamps=1)).welcome_stamps == 2
    assert visits.plan_visit(facts(club=club, staff_stamps=2)).welcome_stamps == 0
    assert visits.plan_visit(facts(club=club, staff_stamps=1, welcome_given=True)).welcome_stamps == 0
    assert visits.plan_visit(facts(staff_stamps=1)).welcome_stamps == 0  # the owner gives none


def test_a_surprise_is_drawn_at_most_once_a_day_with_the_programs_reward_by_default() -> None:
    club = visits.ClubBonuses(surprise_share_percent=10)
    assert visits.plan_visit(facts(club=club, draw=0.05)).surprise == visits.Gift("Gratis kaffe", "surprise")
    assert visits.plan_visit(facts(club=club, draw=0.5)).surprise is None
    assert visits.plan_visit(facts(club=club, draw=0.05, surprised_today=True)).surprise is None
    own = visits.ClubBonuses(surprise_share_percent=10, surprise_reward_text="Kake")
    assert visits.plan_visit(facts(club=own, draw=0.05)).surprise == visits.Gift("Kake", "surprise")


def test_a_referral_rewards_both_under_the_cap_and_only_the_friend_over_it() -> None:
    pending = visits.PendingReferral(referral_id=7, referrer_id=3, referrer_left=False, rewarded_this_month=0)
    plan = visits.plan_visit(facts(referral=pending)).referral
    assert plan is not None and plan.status == "rewarded"
    assert plan.friend_gift == visits.Gift("Gratis kaffe", "referral_friend")
    assert plan.referrer_gift == visits.Gift("Gratis kaffe", "referral")
    capped = visits.plan_visit(facts(referral=visits.PendingReferral(7, 3, False, 5))).referral
    assert capped is not None and capped.status != "rewarded"
    assert capped.referrer_gift is None and capped.friend_gift is not None
    no_friend = visits.plan_visit(facts(club=visits.ClubBonuses(referral_friend_reward=False), referral=pending))
    assert no_friend.referral is not None and no_friend.referral.friend_gift is None


def test_a_tiers_reward_is_given_once_per_member_ever() -> None:
    silver = LADDER[1]
    assert visits.plan_visit(facts(tier_after=silver)).tier_rewards == (silver,)
    again = facts(tier_after=silver, tier_rewards_given=frozenset({visits.tier_reward_reason(silver)}))
    assert visits.plan_visit(again).tier_rewards == ()
    assert visits.plan_visit(facts(tier_after=GOLD)).tier_rewards == (silver,)  # passed on the way up


def written(ledger_id: int = 11, rewards: tuple[Granted, ...] = ()) -> visits.StampsWritten:
    return visits.StampsWritten(ledger_id, 1, "stamp", "visit", 2, rewards)


def done(**changes: object) -> visits.VisitDone:
    base: dict[str, object] = {
        "member_id": 1,
        "lang": "nb",
        "stamps": written(),
        "card": visits.CardState(4, 10),
        "program_capacity": 10,
        "program_reward": "Gratis kaffe",
        "first_staff_stamp": False,
    }
    return visits.VisitDone(**{**base, **changes})  # type: ignore[arg-type]


def pushes(effects: list[Push | Webhook]) -> list[tuple[int, str]]:
    return [(e.member_id, e.kind) for e in effects if isinstance(e, Push)]


def test_an_ordinary_stamp_tells_the_member_and_the_web_shop() -> None:
    effects = visits.consequences(done(), NOW)
    assert effects[0] == Webhook(
        "stamp.added", 1, {"stamps": 1, "kind": "stamp", "reason": "visit", "ledger_id": 11, "store_id": 2}
    )
    assert effects[1] == Push(1, "stamp_received", 11, {"stamps": 4, "capacity": 10})
    assert len(effects) == 2


def test_the_first_stamp_brings_welcome_instead_of_stamp_received() -> None:
    effects = visits.consequences(done(first_staff_stamp=True), NOW)
    assert pushes(effects) == [(1, "welcome")]
    [welcome] = [e for e in effects if isinstance(e, Push)]
    assert welcome.ref == "first" and welcome.data == {"capacity": 10, "reward": "Gratis kaffe"}


def test_every_reward_a_visit_completes_is_announced_and_gifts_have_their_own_push() -> None:
    card_reward = Granted(21, "Gratis kaffe", NOW + timedelta(days=30))
    bonus_reward = Granted(22, "Gratis kaffe", NOW + timedelta(days=30))
    surprise = Granted(23, "Kake", NOW + timedelta(days=30))
    referrer_gift = Granted(24, "Gratis kaffe", NOW + timedelta(days=30))
    effects = visits.consequences(
        done(
            stamps=written(rewards=(card_reward,)),
            welcome=visits.StampsWritten(12, 2, "bonus", "welcome", None, (bonus_reward,)),
            surprise=surprise,
            referrer_id=9,
            referrer_gift=referrer_gift,
        ),
        NOW,
    )
    assert pushes(effects) == [
        (1, "reward_ready"),  # the welcome bonus's full card
        (1, "surprise"),
        (9, "referral"),  # the referrer is told by a push
        (1, "stamp_received"),
        (1, "reward_ready"),  # the visit's own full card
    ]
    issued = [
        (e.member_id, e.data["reward_id"]) for e in effects if isinstance(e, Webhook) and e.event == "reward.issued"
    ]
    assert sorted(issued) == [(1, 21), (1, 22), (1, 23), (9, 24)]


def test_a_tier_reached_is_announced_once_per_day_and_tier_in_the_members_language() -> None:
    effects = visits.consequences(done(lang="en", tier_before=BRONZE, tier_after=SILVER), NOW)
    [tier] = [e for e in effects if isinstance(e, Push) and e.kind == "tier_reached"]
    assert tier.ref == "solv-2026-03-10" and tier.data == {"tier": "Silver"}
    assert (1, "tier_reached") not in pushes(visits.consequences(done(tier_before=SILVER, tier_after=SILVER), NOW))


def test_a_tier_reward_is_given_for_the_programs_validity_or_30_days() -> None:
    assert visits.reward_days(60) == 60
    assert visits.reward_days(None) == 30


def test_only_the_last_staff_action_of_the_store_can_be_undone_within_five_minutes() -> None:
    assert can_be_undone("stamp", reversed_already=False)
    assert not can_be_undone("stamp", reversed_already=True)
    assert not can_be_undone("bonus", reversed_already=False)
    assert not can_be_undone("void", reversed_already=False)
    ok = {"undoable_id": 5, "asked_id": 5, "by_owner": False, "same_store": True, "action_at": NOW, "now": NOW}
    check_undo(**ok)  # type: ignore[arg-type]
    for changes, code in (
        ({"asked_id": 4}, "nothing_to_undo"),
        ({"undoable_id": None}, "nothing_to_undo"),
        ({"same_store": False}, "forbidden"),
        ({"now": NOW + timedelta(minutes=6)}, "undo_window_passed"),
    ):
        with pytest.raises(DomainError) as err:
            check_undo(**{**ok, **changes})  # type: ignore[arg-type]
        assert err.value.code == code
    check_undo(**{**ok, "same_store": False, "by_owner": True})  # type: ignore[arg-type]


def test_undoing_a_stamp_voids_the_cards_it_opened_first_and_reopens_the_others() -> None:
    details = {"fills": [{"card_id": 1, "added": 2, "opened": False}, {"card_id": 2, "added": 1, "opened": True}]}
    plan = plan_undo_stamps({**details, "rewards": [8]})
    assert plan.void_cards == [2]
    assert [(r.card_id, r.stamps_back) for r in plan.reopen_cards] == [(1, 2)]
    assert plan.revoke_rewards == [8]
    assert plan_undo_stamps({}).void_cards == []


def test_a_voided_visit_takes_its_gifts_back_unless_the_referral_was_spent() -> None:
    gifts = [(1, False), (2, True)]
    unspent = take_back(gifts, spent=False)
    assert unspent.revoke == {1, 2} and unspent.reopen_referral
    spent = take_back(gifts, spent=True)
    assert spent.revoke == {1} and not spent.reopen_referral
    assert not take_back([(1, False)], spent=False).reopen_referral


def test_the_till_stamps_by_visit_or_by_amount() -> None:
    assert stamp_reason("visit") == "visit" and stamp_reason("amount") == "purchase"
    assert stamps_asked("visit", 2, None, 5000) == 2
    assert stamps_asked("amount", 1, 12000, 5000) == 2
    with pytest.raises(DomainError) as err:
        stamps_asked("amount", 1, 4000, 5000)
    assert err.value.code == "amount_too_small" and err.value.extra["field"] == "amount_ore"


def test_rewards_are_redeemed_only_from_the_qr_code() -> None:
    check_redeem_method("qr")
    for method in ("manual", "member_number", "phone"):
        with pytest.raises(DomainError) as err:
            check_redeem_method(method)
        assert err.value.code == "manual_entry_cannot_redeem" and err.value.kind == "forbidden"


def test_stamps_and_bonuses_count_toward_a_tier_less_what_was_undone_or_voided() -> None:
    assert set(EARNING_KINDS) == {"stamp", "bonus", "undo", "void"}  # a redemption takes no tier progress


@pytest.mark.parametrize(
    ("born", "today", "greeted"),
    [
        (date(1992, 2, 29), date(2027, 2, 28), True),  # no 29 February in 2027: greeted the day before
        (date(1992, 2, 29), date(2027, 3, 1), False),
        (date(1992, 2, 29), date(2028, 2, 29), True),
        (date(1992, 2, 29), date(2028, 2, 28), False),  # a leap year has the day itself
        (date(1990, 2, 28), date(2027, 2, 28), True),
        (date(1990, 5, 17), date(2027, 5, 17), True),
        (date(1990, 5, 17), date(2027, 5, 18), False),
    ],
)
def test_every_member_has_a_birthday_every_year(born: date, today: date, greeted: bool) -> None:
    assert is_birthday(born, today) is greeted


def test_the_expiry_notice_comes_three_days_ahead() -> None:
    assert expiry_notice_days(NOW + timedelta(days=2, hours=5), NOW) == 2
    assert expiry_notice_days(NOW + timedelta(hours=5), NOW) == 0
    assert expiry_notice_days(NOW + timedelta(days=3, minutes=1), NOW) is None
    assert expiry_notice_days(NOW, NOW) is None  # expired already


def test_a_member_is_warned_before_the_review_would_take_their_tier() -> None:
    review = NOW + timedelta(days=20)
    warning = demotion_warning("gull", 12, list(DEFAULT_TIERS), review, NOW)
    assert warning is not None
    assert (warning.tier.code, warning.needed, warning.days) == ("solv", 13, 20)
    assert demotion_warning("gull", 25, list(DEFAULT_TIERS), review, NOW) is None  # the window holds it
    assert demotion_warning("gull", 12, list(DEFAULT_TIERS), NOW + timedelta(days=40), NOW) is None  # too early
    assert demotion_warning("platina", 12, list(DEFAULT_TIERS), review, NOW) is None  # no longer on the ladder


def test_the_profile_bonus_is_told_to_the_web_shop_but_brings_no_push() -> None:
    gift = Granted(31, "Gratis bolle", NOW + timedelta(days=30))
    bonus = visits.StampsWritten(12, 2, "bonus", "profile_completed", None, ())
    effects = visits.profile_bonus_consequences(1, bonus, (gift,))
    assert [e.event for e in effects if isinstance(e, Webhook)] == ["stamp.added", "reward.issued"]
    assert pushes(effects) == []
