"""A visit at the till or through the POS API, as one descent: the stamps on the cards, the facts
the domain needs, its decision (`digital_stampcard.visits`), the bonuses it names, and the effects
handed to the outbox. All in the caller's transaction, with the member locked."""

from __future__ import annotations

import secrets
from datetime import datetime

import msgspec

from backend import metrics, outbox
from backend.cards.card_state import CardState, Entry, after_plain_stamp, read_card_state
from backend.cards.gifts import give_gift
from backend.cards.ledger import surprised_on, tier_window_days
from backend.cards.ledger import welcome_given as welcome_was_given
from backend.cards.programs import rules_of, tier_ladder
from backend.cards.redeeming import redeem_reward
from backend.cards.stamping import Applied, apply_stamps
from backend.cards.tables import Program, Reward
from backend.cards.tiers import hold_tier, tier_rewards_given
from backend.club.service import cached_club
from backend.context import Actor
from backend.members import referrals
from backend.members.tables import Member
from digital_stampcard import visits
from digital_stampcard.bonuses import surprise_due
from digital_stampcard.cards import remaining_today
from digital_stampcard.effects import Granted, Webhook
from digital_stampcard.purchases import stamp_reason
from digital_stampcard.tiers import Tier, held_tier

_DRAW_STEPS = 1_000_000


class StampedVisit(msgspec.Struct, frozen=True):
    applied: Applied
    tier: Tier  # the member's tier after the visit
    after: CardState | None  # the cards after it when only stamps were added, else None (read them again)


async def stamp_member(
    member: Member,
    program: Program,
    count: int,
    now: datetime,
    actor: Actor,
    *,
    scan_pk: int | None,
    key: str | None,
    amount_ore: int | None = None,
    receipt_key: str | None = None,
    state: CardState | None = None,
) -> StampedVisit:
    """Stamps as the till and the POS API give them: the tier multiplier and the daily cap apply.
    `state`: the member's cards as the caller read them under the lock (else read here)."""
    ladder = await tier_ladder()
    if state is None:
        state = await read_card_state(member.id, program.id, now, await tier_window_days())
    earned = state.earned
    held = held_tier(member.tier_code, earned, ladder)
    allowance = remaining_today(state.stamped_today, rules_of(program))
    applied = await apply_stamps(
        member.id,
        program,
        count,
        now,
        kind="stamp",
        reason=stamp_reason(program.stamp_basis),
        allowance=allowance,
        multiplier=held.stamp_multiplier,
        actor=actor,
        scan_pk=scan_pk,
        idempotency_key=key,
        amount_ore=amount_ore,
        receipt_key=receipt_key,
        card=state.card,
    )
    # The stamp row just written counts among the member's staff stamps.
    facts = await _facts(
        member, program, now, ladder, earned + applied.plan.added, state.staff_stamps + 1, state.referral_waiting
    )
    plan = visits.plan_visit(facts)
    done = await _give(plan, facts, member, program, now, actor, applied, held)
    await outbox.write(visits.consequences(done, now), now)
    metrics.STAMPS.inc(applied.plan.added)
    after = None
    if not (done.welcome or done.surprise or done.friend_gift or done.tier_gifts or plan.referral):
        entry = Entry(applied.ledger_id, "stamp", applied.plan.added, now, scan_pk, reversed=False)
        after = after_plain_stamp(state, applied.plan, entry, capped=True)
    return StampedVisit(applied, plan.tier, after)


async def _facts(
    member: Member,
    program: Program,
    now: datetime,
    ladder: list[Tier],
    earned: int,
    staff_stamps: int,
    referral_waiting: bool,
) -> visits.VisitFacts:
    club = await cached_club()
    bonuses = visits.ClubBonuses(
        welcome_bonus_stamps=club.welcome_bonus_stamps,
        surprise_share_percent=club.surprise_share_percent,
        surprise_reward_text=club.surprise_reward_text,
        referral_monthly_cap=club.referral_monthly_cap,
        referral_reward_text=club.referral_reward_text,
        referral_friend_reward=club.referral_friend_reward,
        referral_friend_reward_text=club.referral_friend_reward_text,
    )
    draw = secrets.randbelow(_DRAW_STEPS) / _DRAW_STEPS  # drawn here so nobody can learn a routine
    stored = {t.code: t for t in ladder}.get(member.tier_code, ladder[0])
    after = held_tier(member.tier_code, earned, ladder)
    # Each read below is skipped when its answer cannot change the decision (the stamp path is hot).
    return visits.VisitFacts(
        club=bonuses,
        program_reward=program.reward_text,
        staff_stamps=staff_stamps,
        welcome_given=staff_stamps == 1 and club.welcome_bonus_stamps > 0 and await welcome_was_given(member.id),
        draw=draw,
        surprised_today=surprise_due(draw, club.surprise_share_percent) and await surprised_on(member.id, now),
        referral=await referrals.pending_referral(member.id, now) if referral_waiting else None,
        tier_before=stored,
        tier_after=after,
        ladder=ladder,
        tier_rewards_given=await tier_rewards_given(member.id) if after.code != member.tier_code else frozenset(),
    )


async def _give(
    plan: visits.VisitPlan,
    facts: visits.VisitFacts,
    member: Member,
    program: Program,
    now: datetime,
    actor: Actor,
    applied: Applied,
    held_before: Tier,
) -> visits.VisitDone:
    """Writes the bonuses the plan names. The gifts name the visit's stamp (`came_with`), so voiding or
    undoing it takes them back (backend/cards/gifts.py)."""
    stamp_id = applied.ledger_id
    welcome = None
    card_after = applied.plan.open_card  # the card open after the visit, as its plan left it
    if plan.welcome_stamps:
        bonus = await apply_stamps(
            member.id, program, plan.welcome_stamps, now, kind="bonus", reason="welcome", allowance=None, actor=actor
        )
        welcome = bonus.written
        card_after = bonus.plan.open_card
    surprise = None
    if plan.surprise is not None:
        surprise = await give_gift(
            member.id, program, plan.surprise.title, plan.surprise.reason, now, actor=actor, came_with=stamp_id
        )
    friend_gift: Granted | None = None
    referrer_gift: Granted | None = None
    referral = plan.referral
    if referral is not None and await referrals.settle(referral.referral_id, referral.status, now):
        # The ledger rows name the store where the friend's first stamp was given, and that stamp.
        details = {"referral": referral.referral_id}
        if referral.friend_gift is not None:
            gift = referral.friend_gift
            friend_gift = await give_gift(
                member.id, program, gift.title, gift.reason, now, actor=actor, came_with=stamp_id, details=details
            )
        if referral.referrer_gift is not None:
            gift = referral.referrer_gift
            referrer_gift = await give_gift(
                referral.referrer_id,
                program,
                gift.title,
                gift.reason,
                now,
                actor=actor,
                came_with=stamp_id,
                details=details,
            )
            await referrals.note_reward(referral.referral_id, referrer_gift.reward_id)
    await Member.update({Member.last_visit_at: now}).where(Member.id == member.id)
    tier_gifts = await hold_tier(member, plan.tier, list(plan.tier_rewards), now, program)
    return visits.VisitDone(
        member_id=member.id,
        lang=member.lang,
        stamps=applied.written,
        card=visits.CardState(card_after.stamps, card_after.policy.capacity),
        program_capacity=program.capacity,
        program_reward=program.reward_text,
        first_staff_stamp=facts.staff_stamps == 1,
        welcome=welcome,
        surprise=surprise,
        friend_gift=friend_gift,
        referrer_id=referral.referrer_id if referrer_gift is not None and referral is not None else None,
        referrer_gift=referrer_gift,
        tier_gifts=tuple(tier_gifts),
        tier_before=held_before,
        tier_after=plan.tier,
    )


async def redeem(
    member: Member, reward_id: int, now: datetime, actor: Actor, *, scan_pk: int, key: str | None
) -> Reward:
    """Redeems one of the member's rewards exactly once (the till and the POS API); the caller has
    checked the member showed their QR code (`rewards.check_redeem_method`)."""
    reward = await redeem_reward(member, reward_id, now, actor, scan_pk=scan_pk, key=key)
    redeemed = {"reward_id": reward.id, "title": reward.title, "store_id": actor.store_id}
    await outbox.write([Webhook("reward.redeemed", member.id, redeemed)], now)
    metrics.REDEMPTIONS.inc()
    return reward
