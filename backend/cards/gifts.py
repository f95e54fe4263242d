"""Rewards given outside a full card: birthday, anniversary, surprise, a new tier, a referral. One
way to give them, in the caller's transaction: the reward (with the program's value), the ledger
row that names it (so history and audit show what was given and why), and the `reward.issued` webhook."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend.cards.stamping import ledger_entry
from backend.cards.tables import LedgerEntry, Program, Reward
from backend.context import Actor
from backend.integrations.webhooks import emit


async def give_gift(
    member_id: int,
    program: Program | None,
    title: str,
    reason: str,
    now: datetime,
    *,
    valid_days: int | None = None,
    actor: Actor | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Returns the reward's id. `valid_days` defaults to the program's reward validity."""
    days = valid_days if valid_days is not None else (program.reward_valid_days if program is not None else 30)
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
            details=details,
        )
    )
    data = {"reward_id": reward_id, "title": title, "expires_at": expires_at.isoformat()}
    await emit("reward.issued", member_id, data, now)
    return reward_id
