"""Redeeming a reward exactly once, in the caller's transaction with the member locked."""

from __future__ import annotations

from datetime import datetime

from backend.cards.stamping import ledger_entry
from backend.cards.tables import LedgerEntry, Reward
from backend.context import Actor
from backend.members.tables import Member
from digital_stampcard import rewards as reward_rules
from digital_stampcard.errors import DomainError


async def redeem_reward(
    member: Member, reward_id: int, now: datetime, actor: Actor, *, scan_pk: int, key: str | None
) -> Reward:
    """The conditional update from "active" is the guard: two cashiers at once redeem it once."""
    reward = await Reward.objects().where((Reward.id == reward_id) & (Reward.member == member.id)).first()
    if reward is None:
        raise DomainError("not_found", "This reward does not belong to the scanned member.", kind="not_found")
    reward_rules.check_redeemable(reward.status, reward.expires_at, now)
    redeemed = (
        await Reward.update({Reward.status: "redeemed", Reward.redeemed_at: now, Reward.redeemed_store: actor.store_id})
        .where((Reward.id == reward.id) & (Reward.status == "active"))
        .returning(Reward.id)
    )
    if not redeemed:
        raise DomainError("reward_not_active", "This reward has already been used.", kind="conflict")
    count = await LedgerEntry.count().where((LedgerEntry.reward == reward.id) & (LedgerEntry.kind == "reward_redeemed"))
    entry = ledger_entry(
        member.id, reward.program, "reward_redeemed", 0, reward.title, now, actor, scan_pk, key, reward_id=reward.id
    )
    entry.redemption_of = f"{reward.id}#{count + 1}"  # unique: a reward is redeemed once per issue
    await LedgerEntry.insert(entry)
    await Member.update({Member.last_visit_at: now}).where(Member.id == member.id)
    reward.status, reward.redeemed_at = "redeemed", now
    return reward
