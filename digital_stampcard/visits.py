"""What follows a visit's stamps, decided in one place: the bonuses the visit brings (welcome stamps,
a surprise, the referral's rewards, a new tier's reward) and then what everyone is told (pushes and
webhooks). Facts in, decisions out: `backend/visits.py` gathers the facts, writes the bonuses the plan
names and hands back what was written; `consequences` turns that into effects for the outbox.

Pure: the random draw and the moments are arguments."""

from __future__ import annotations

from datetime import datetime

import msgspec

from digital_stampcard import referrals
from digital_stampcard.bonuses import reward_text, surprise_due
from digital_stampcard.effects import Effect, Granted, Push, Webhook, reward_issued, reward_ready
from digital_stampcard.notifications import Kind
from digital_stampcard.tiers import Tier, tiers_reached

TIER_REWARD_VALID_DAYS = 30  # a tier's reward given where no program is at hand to say how long rewards last
REFERRAL_REASON = "referral"
REFERRAL_FRIEND_REASON = "referral_friend"
SURPRISE_REASON = "surprise"


def tier_reward_reason(tier: Tier) -> str:
    return f"tier_reached:{tier.code}"


def welcome_due(*, bonus_stamps: int, staff_stamps: int, already_given: bool) -> bool:
    """The welcome bonus comes once per member, with their first staff-given stamp: joining alone
    gives nothing (`staff_stamps` counts the visit's own stamp row)."""
    return bonus_stamps > 0 and staff_stamps == 1 and not already_given


def surprise_today(*, draw: float, share_percent: int, surprised_today: bool) -> bool:
    """A random share of visits, at most one surprise per Oslo day."""
    return surprise_due(draw, share_percent) and not surprised_today


def tier_rewards_due(before: Tier, after: Tier, ladder: list[Tier], given_reasons: frozenset[str]) -> list[Tier]:
    """Each tier passed on the way up gives its extra reward once per member, ever: a member who
    drops and climbs back does not get it again."""
    return [
        t
        for t in tiers_reached(before, after, ladder)
        if t.extra_reward_text and tier_reward_reason(t) not in given_reasons
    ]


def reward_days(program_valid_days: int | None) -> int:
    return program_valid_days if program_valid_days is not None else TIER_REWARD_VALID_DAYS


class StampsWritten(msgspec.Struct, frozen=True):
    """Stamps put on cards: the ledger row, how many, why, where, and the full cards' rewards."""

    ledger_id: int
    added: int
    kind: str
    reason: str
    store_id: int | None
    rewards: tuple[Granted, ...] = ()


def stamp_webhooks(member_id: int, written: StampsWritten) -> list[Webhook]:
    """`stamp.added`, then `reward.issued` for every card the stamps filled."""
    where = {"store_id": written.store_id} if written.store_id is not None else {}
    data = {"stamps": written.added, "kind": written.kind, "reason": written.reason, "ledger_id": written.ledger_id}
    return [
        Webhook("stamp.added", member_id, {**data, **where}),
        *(reward_issued(member_id, r) for r in written.rewards),
    ]


class PendingReferral(msgspec.Struct, frozen=True):
    """The member's referral waiting for their first staff stamp, with the referrer's facts (read
    with the referrer locked)."""

    referral_id: int
    referrer_id: int
    referrer_left: bool
    rewarded_this_month: int


class ClubBonuses(msgspec.Struct, frozen=True):
    """The owner's bonus settings a visit needs; a reward text of "" means the program's own reward."""

    welcome_bonus_stamps: int = 0
    surprise_share_percent: int = 0
    surprise_reward_text: str = ""
    referral_monthly_cap: int = 5
    referral_reward_text: str = ""
    referral_friend_reward: bool = True
    referral_friend_reward_text: str = ""


class VisitFacts(msgspec.Struct, frozen=True):
    """Read after the visit's own stamps are written, with the member locked."""

    club: ClubBonuses
    program_reward: str  # the program's reward text, the default of every gift's text
    staff_stamps: int  # the member's staff-given stamp rows, this visit's included
    welcome_given: bool
    draw: float  # uniform in [0, 1), drawn by the caller so nobody can learn a routine
    surprised_today: bool
    referral: PendingReferral | None
    tier_before: Tier
    tier_after: Tier
    ladder: list[Tier]
    tier_rewards_given: frozenset[str]  # reasons of the tier rewards the member was ever given


class Gift(msgspec.Struct, frozen=True):
    title: str
    reason: str


class ReferralPlan(msgspec.Struct, frozen=True):
    referral_id: int
    referrer_id: int
    status: referrals.Status
    friend_gift: Gift | None
    referrer_gift: Gift | None  # only when the referral is rewarded


class VisitPlan(msgspec.Struct, frozen=True):
    welcome_stamps: int
    surprise: Gift | None
    referral: ReferralPlan | None
    tier: Tier  # the tier the member holds after the visit
    tier_rewards: tuple[Tier, ...]


def plan_visit(facts: VisitFacts) -> VisitPlan:
    """The bonuses this visit brings. The referral's decision is taken once: the caller writes it
    conditionally (from "pending"), and gives its gifts only when that write wins."""
    club = facts.club
    welcome = welcome_due(
        bonus_stamps=club.welcome_bonus_stamps, staff_stamps=facts.staff_stamps, already_given=facts.welcome_given
    )
    surprise = None
    if surprise_today(
        draw=facts.draw, share_percent=club.surprise_share_percent, surprised_today=facts.surprised_today
    ):
        surprise = Gift(reward_text(club.surprise_reward_text, facts.program_reward), SURPRISE_REASON)
    referral = None
    if facts.referral is not None:
        pending = facts.referral
        status = referrals.decide(
            rewarded_this_month=pending.rewarded_this_month,
            monthly_cap=club.referral_monthly_cap,
            referrer_left=pending.referrer_left,
        )
        friend = None
        if club.referral_friend_reward:  # the friend's welcome gift does not count against anyone's cap
            friend = Gift(reward_text(club.referral_friend_reward_text, facts.program_reward), REFERRAL_FRIEND_REASON)
        referrer = None
        if status == "rewarded":
            referrer = Gift(reward_text(club.referral_reward_text, facts.program_reward), REFERRAL_REASON)
        referral = ReferralPlan(pending.referral_id, pending.referrer_id, status, friend, referrer)
    due = tier_rewards_due(facts.tier_before, facts.tier_after, facts.ladder, facts.tier_rewards_given)
    return VisitPlan(club.welcome_bonus_stamps if welcome else 0, surprise, referral, facts.tier_after, tuple(due))


class CardState(msgspec.Struct, frozen=True):
    stamps: int
    capacity: int


class VisitDone(msgspec.Struct, frozen=True):
    """What the visit wrote, for `consequences`."""

    member_id: int
    lang: str
    stamps: StampsWritten
    card: CardState | None  # the open card after the visit; None when no card is open
    program_capacity: int
    program_reward: str
    first_staff_stamp: bool
    welcome: StampsWritten | None = None
    surprise: Granted | None = None
    friend_gift: Granted | None = None
    referrer_id: int | None = None
    referrer_gift: Granted | None = None
    tier_gifts: tuple[Granted, ...] = ()
    tier_before: Tier | None = None
    tier_after: Tier | None = None


def consequences(done: VisitDone, now: datetime) -> list[Effect]:
    """Every push and webhook a visit causes. The first stamp brings "welcome" instead of "stamp
    received" (members are most open right after their first purchase); every reward the visit's
    stamps complete is announced, the welcome bonus's too; a surprise has its own push; the friend
    sees the referral's gift at the till, while the referrer is told by a push; a tier reached is
    announced once per day and tier. Gifts given for a tier come with the tier's push, not their own."""
    member = done.member_id
    effects: list[Effect] = [*stamp_webhooks(member, done.stamps)]
    if done.welcome is not None:
        effects += stamp_webhooks(member, done.welcome)
    gifts = [g for g in (done.surprise, done.friend_gift) if g is not None]
    effects += [reward_issued(member, g) for g in gifts]
    if done.referrer_gift is not None and done.referrer_id is not None:
        effects.append(reward_issued(done.referrer_id, done.referrer_gift))
    effects += [reward_issued(member, g) for g in done.tier_gifts]

    if done.welcome is not None:
        effects += [reward_ready(member, r) for r in done.welcome.rewards]
    if done.surprise is not None:
        effects.append(_gift_push(member, "surprise", done.surprise))
    if done.referrer_gift is not None and done.referrer_id is not None:
        effects.append(_gift_push(done.referrer_id, "referral", done.referrer_gift))
    if done.first_staff_stamp:
        welcome = {"capacity": done.program_capacity, "reward": done.program_reward}
        effects.append(Push(member, "welcome", "first", welcome))
    elif done.card is not None:
        card = {"stamps": done.card.stamps, "capacity": done.card.capacity}
        effects.append(Push(member, "stamp_received", done.stamps.ledger_id, card))
    effects += [reward_ready(member, r) for r in done.stamps.rewards]
    before, after = done.tier_before, done.tier_after
    if before is not None and after is not None and after.threshold > before.threshold:
        ref = f"{after.code}-{now.date().isoformat()}"
        effects.append(Push(member, "tier_reached", ref, {"tier": after.name(done.lang)}))
    return effects


def profile_bonus_consequences(member_id: int, bonus: StampsWritten, tier_gifts: tuple[Granted, ...]) -> list[Effect]:
    """The profile bonus is given while the member is in the app, on the screen that shows it: the
    web shop hears of it, but no push follows (unlike a visit's rewards, announced to a phone in a
    pocket)."""
    return [*stamp_webhooks(member_id, bonus), *(reward_issued(member_id, g) for g in tier_gifts)]


def _gift_push(member_id: int, kind: Kind, gift: Granted) -> Push:
    return Push(member_id, kind, gift.reward_id, {"reward": gift.title, "reward_id": gift.reward_id})
