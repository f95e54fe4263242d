"""Which notifications an event causes. Called inside the event's own transaction."""

from __future__ import annotations

from datetime import datetime

from backend.cards.schemas import CardOut
from backend.cards.stamping import Applied
from backend.cards.tables import LedgerEntry, Program
from backend.members.tables import Member
from backend.push.outbox import enqueue
from digital_stampcard.tiers import Tier


async def after_staff_stamp(
    member: Member, program: Program, applied: Applied, card: CardOut | None, before: Tier, after: Tier, now: datetime
) -> None:
    first = await LedgerEntry.count().where((LedgerEntry.member == member.id) & (LedgerEntry.kind == "stamp")) == 1
    if first:  # members are most open right after their first purchase
        await enqueue(member.id, "welcome", "first", {"capacity": program.capacity, "reward": program.reward_text}, now)
    elif card is not None:
        await enqueue(
            member.id, "stamp_received", applied.ledger_id, {"stamps": card.stamps, "capacity": card.capacity}, now
        )
    for reward_id, grant in zip(applied.reward_ids, applied.plan.rewards, strict=True):
        await enqueue(member.id, "reward_ready", reward_id, {"reward": grant.title, "reward_id": reward_id}, now)
    if after.threshold > before.threshold:
        await enqueue(
            member.id, "tier_reached", f"{after.code}-{now.date().isoformat()}", {"tier": after.name(member.lang)}, now
        )
