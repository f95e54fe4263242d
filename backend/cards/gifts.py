"""Rewards given outside a full card: birthday, anniversary, surprise, a new tier, a referral. One
way to give them, in the caller's transaction: the reward (with the program's value) and the ledger
row that names it (so history and audit show what was given and why). The caller tells the outbox
(`reward.issued`, digital_stampcard.effects)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend.cards.stamping import ledger_entry
from backend.cards.tables import LedgerEntry, Program, Reward
from backend.context import Actor
from backend.members.tables import Referral
from digital_stampcard import referrals as referral_rules
from digital_stampcard.effects import Granted
from digital_stampcard.visits import reward_days


async def give_gift(
    member_id: int,
    program: Program | None,
    title: str,
    reason: str,
    now: datetime,
    *,
    valid_days: int | None = None,
    actor: Actor | None = None,
    came_with: int | None = None,
    details: dict[str, Any] | None = None,
) -> Granted:
    """Returns the reward written. `valid_days` defaults to the program's reward validity; `came_with` is
    the stamp a visit's gift came with, so voiding or undoing that stamp takes the gift back."""
    days = valid_days if valid_days is not None else reward_days(program.reward_valid_days if program else None)
    expires_at = now + timedelta(days=days)
    program_id = program.id if program is not None else None
    rows = await Reward.insert(
        Reward(
            member=member_id,
            program=program_id,
            title=title,
            value_ore=program.reward_value_ore if program is not None else 0,
            status="active",
            issued_at=now,
            expires_at=expires_at,
        )
    ).returning(Reward.id)
    reward_id = int(rows[0]["id"])
    await LedgerEntry.insert(
        ledger_entry(
            member_id,
            program_id,
            "reward_issued",
            0,
            reason,
            now,
            actor,
            None,
            None,
            reward_id=reward_id,
            details={**(details or {}), **({"came_with": came_with} if came_with is not None else {})},
        )
    )
    return Granted(reward_id, title, expires_at)


async def take_back_gifts(stamp: LedgerEntry, reason: str, now: datetime, actor: Actor | None) -> list[int]:
    """When a visit's stamp is voided or undone, the gifts that came with it (a surprise, a referral's
    rewards) are revoked if unused, with a `reward_revoked` row each; a referral that stamp decided waits
    again for a real first purchase, unless a reward from it was already used. Returns the revoked ids."""
    same_moment = (
        await LedgerEntry.select(LedgerEntry.member, LedgerEntry.program, LedgerEntry.reward, LedgerEntry.details)
        .where((LedgerEntry.created_at == stamp.created_at) & (LedgerEntry.kind == "reward_issued"))
        .output(load_json=True)
    )  # gifts are written in the stamp's transaction, at its instant
    # "came_with", not "caused_by": a card's own reward is caused by its stamp and has its own rules (voids).
    gifts = [g for g in same_moment if g["reward"] and (g["details"] or {}).get("came_with") == stamp.id]
    if not gifts:
        return []
    referral_rewards = [g["reward"] for g in gifts if "referral" in (g["details"] or {})]
    spent = bool(referral_rewards) and await Reward.exists().where(
        Reward.id.is_in(referral_rewards) & (Reward.status == "redeemed")
    )
    taken = referral_rules.take_back([(g["reward"], "referral" in (g["details"] or {})) for g in gifts], spent=spent)
    revoked: list[int] = []
    for gift in [g for g in gifts if g["reward"] in taken.revoke]:
        done = (
            await Reward.update({Reward.status: "revoked", Reward.revoked_reason: reason})
            .where((Reward.id == gift["reward"]) & (Reward.status == "active"))
            .returning(Reward.id)
        )
        if done:
            revoked.append(gift["reward"])
            row = ledger_entry(
                gift["member"],
                gift["program"],
                "reward_revoked",
                0,
                reason,
                now,
                actor,
                None,
                None,
                reward_id=gift["reward"],
                details={"caused_by": stamp.id},
            )
            await LedgerEntry.insert(row)
    referral_ids = {g["details"]["referral"] for g in gifts if "referral" in (g["details"] or {})}
    if referral_ids and taken.reopen_referral:
        await Referral.update({Referral.status: "pending", Referral.decided_at: None, Referral.reward_id: None}).where(
            Referral.id.is_in(list(referral_ids))
        )
    return revoked
