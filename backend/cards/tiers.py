"""Keeping the member's held tier in step with what they earned (promotion only; demotion is the
yearly review's job), and the one-off reward a tier may give on reaching it
(`digital_stampcard.visits.tier_rewards_due`)."""

from __future__ import annotations

from datetime import datetime

from backend.cards.gifts import give_gift
from backend.cards.ledger import earned_in_window
from backend.cards.tables import LedgerEntry, Program
from backend.members.tables import Member
from digital_stampcard.effects import Granted
from digital_stampcard.tiers import Tier, held_tier
from digital_stampcard.visits import reward_days, tier_reward_reason, tier_rewards_due


async def tier_rewards_given(member_id: int) -> frozenset[str]:
    """The reasons of every tier reward the member was ever given."""
    rows = await LedgerEntry.select(LedgerEntry.reason).where(
        (LedgerEntry.member == member_id)
        & (LedgerEntry.kind == "reward_issued")
        & LedgerEntry.reason.like("tier_reached:%")
    )
    return frozenset(r["reason"] for r in rows)


async def hold_tier(
    member: Member, tier: Tier, rewards: list[Tier], now: datetime, program: Program | None
) -> list[Granted]:
    """Writes the member's new tier and gives the tiers' rewards that are due. In the caller's
    transaction, with the member locked."""
    if tier.code != member.tier_code:
        await Member.update({Member.tier_code: tier.code}).where(Member.id == member.id)
        member.tier_code = tier.code
    valid_days = reward_days(program.reward_valid_days if program is not None else None)
    return [
        await give_gift(
            member.id,
            program,
            t.extra_reward_text,
            tier_reward_reason(t),
            now,
            valid_days=valid_days,
            details={"tier": t.code},
        )
        for t in rewards
    ]


async def promote_if_earned(
    member: Member, now: datetime, ladder: list[Tier], program: Program | None = None
) -> tuple[Tier, list[Granted]]:
    """Outside a visit (a profile bonus, demo data): the tier held after what the member earned, and
    the rewards given for reaching it."""
    earned = await earned_in_window(member.id, now)
    before = {t.code: t for t in ladder}.get(member.tier_code, ladder[0])
    tier = held_tier(member.tier_code, earned, ladder)
    if tier.code == member.tier_code:
        return tier, []
    due = tier_rewards_due(before, tier, ladder, await tier_rewards_given(member.id))
    return tier, await hold_tier(member, tier, due, now, program)
