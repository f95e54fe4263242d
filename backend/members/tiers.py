"""Keeping the member's held tier in step with what they earned (promotion only; demotion is the
yearly review's job)."""

from __future__ import annotations

from datetime import datetime

from backend.cards.ledger import earned_in_window
from backend.members.tables import Member
from digital_stampcard.tiers import Tier, held_tier


async def promote_if_earned(member: Member, now: datetime, ladder: list[Tier], earned: int | None = None) -> Tier:
    """`earned` may be passed when the caller already knows it (saves a query in the stamp path)."""
    if earned is None:
        earned = await earned_in_window(member.id, now)
    tier = held_tier(member.tier_code, earned, ladder)
    if tier.code != member.tier_code:
        await Member.update({Member.tier_code: tier.code}).where(Member.id == member.id)
        member.tier_code = tier.code
    return tier
