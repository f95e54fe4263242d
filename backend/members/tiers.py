"""Keeping the member's held tier in step with what they earned (promotion only; demotion is the
yearly review's job), and the one-off reward a tier may give on reaching it."""

from __future__ import annotations

from datetime import datetime

from backend.cards.gifts import give_gift
from backend.cards.ledger import earned_in_window
from backend.cards.tables import LedgerEntry, Program
from backend.members.tables import Member
from digital_stampcard.tiers import Tier, held_tier, tiers_reached

TIER_REWARD_VALID_DAYS = 30  # when no program is at hand to say how long rewards last


def tier_reward_reason(tier: Tier) -> str:
    return f"tier_reached:{tier.code}"


async def promote_if_earned(
    member: Member,
    now: datetime,
    ladder: list[Tier],
    earned: int | None = None,
    program: Program | None = None,
) -> Tier:
    """`earned` may be passed when the caller already knows it (saves a query in the stamp path).
    Runs in the caller's transaction, with the member locked."""
    if earned is None:
        earned = await earned_in_window(member.id, now)
    by_code = {t.code: t for t in ladder}
    before = by_code.get(member.tier_code, ladder[0])
    tier = held_tier(member.tier_code, earned, ladder)
    if tier.code != member.tier_code:
        await Member.update({Member.tier_code: tier.code}).where(Member.id == member.id)
        member.tier_code = tier.code
        for reached in tiers_reached(before, tier, ladder):
            await give_tier_reward(member.id, reached, now, program)
    return tier


async def give_tier_reward(member_id: int, tier: Tier, now: datetime, program: Program | None) -> int | None:
    """The tier's extra reward, once per member and tier ever (a member who drops and climbs back
    does not get it again). Returns the reward's id, or None when there is none to give."""
    if not tier.extra_reward_text:
        return None
    reason = tier_reward_reason(tier)
    given = await LedgerEntry.exists().where(
        (LedgerEntry.member == member_id) & (LedgerEntry.kind == "reward_issued") & (LedgerEntry.reason == reason)
    )
    if given:
        return None
    valid_days = program.reward_valid_days if program is not None else TIER_REWARD_VALID_DAYS
    return await give_gift(
        member_id, program, tier.extra_reward_text, reason, now, valid_days=valid_days, details={"tier": tier.code}
    )
