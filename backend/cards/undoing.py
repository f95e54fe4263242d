"""Undoing the member's last action at the till, in the caller's transaction with the member locked:
the checks and the card plan are the domain's (`digital_stampcard.undo`)."""

from __future__ import annotations

from datetime import datetime

from backend.cards.gifts import take_back_gifts
from backend.cards.ledger import undoable_action
from backend.cards.stamping import ledger_entry, open_key
from backend.cards.tables import Card, LedgerEntry, Reward
from backend.context import Actor
from digital_stampcard import undo as rules


async def undo_last(
    member_id: int, ledger_id: int, reason: str, now: datetime, actor: Actor, *, scan_pk: int, key: str | None
) -> None:
    last = await undoable_action(member_id)
    rules.check_undo(
        undoable_id=last.id if last else None,
        asked_id=ledger_id,
        by_owner=actor.role == "owner",
        same_store=last is not None and last.store == actor.store_id,
        action_at=last.created_at if last else None,
        now=now,
    )
    assert last is not None  # check_undo refused otherwise
    if last.kind == "stamp":
        await _reverse_stamps(last, rules.plan_undo_stamps(last.details or {}), reason)
        await take_back_gifts(last, reason, now, actor)
    else:
        await _reverse_redemption(last)
    entry = ledger_entry(
        member_id,
        last.program,
        "undo",
        -last.stamps if last.kind == "stamp" else 0,
        reason,
        now,
        actor,
        scan_pk,
        key,
        counts_for_cap=last.counts_for_cap,
        reward_id=last.reward,
        details={"undid": last.kind},
    )
    entry.reverses = last.id
    await LedgerEntry.insert(entry)


async def _reverse_stamps(entry: LedgerEntry, plan: rules.UndoPlan, reason: str) -> None:
    for card_id in plan.void_cards:
        await Card.update({Card.status: "voided", Card.open_key: None}).where(Card.id == card_id)
    for reopen in plan.reopen_cards:
        await Card.update(
            {
                Card.stamps: Card.stamps - reopen.stamps_back,
                Card.status: "open",
                Card.completed_at: None,
                Card.open_key: open_key(entry.member, entry.program),
            }
        ).where(Card.id == reopen.card_id)
    if plan.revoke_rewards:
        await Reward.update({Reward.status: "revoked", Reward.revoked_reason: reason}).where(
            Reward.id.is_in(plan.revoke_rewards) & (Reward.status == "active")
        )


async def _reverse_redemption(entry: LedgerEntry) -> None:
    await Reward.update({Reward.status: "active", Reward.redeemed_at: None, Reward.redeemed_store: None}).where(
        (Reward.id == entry.reward) & (Reward.status == "redeemed")
    )
