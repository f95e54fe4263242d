"""Applying stamps to cards in the caller's transaction: ledger row, card updates, the reward and
the next card with overflow, all or nothing. Returns what was written; the caller hands it to the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from backend.cards.programs import policy_of
from backend.cards.tables import Card, LedgerEntry, Program, Reward
from backend.context import Actor
from digital_stampcard.cards import CardPolicy, OpenCard, StampPlan, plan_stamps
from digital_stampcard.effects import Granted
from digital_stampcard.visits import StampsWritten

if TYPE_CHECKING:
    from backend.cards.card_state import OpenCardRow


class Unread:
    """Marks an argument the function reads itself."""


UNREAD = Unread()


class Applied(msgspec.Struct):
    ledger_id: int
    plan: StampPlan
    reward_ids: list[int]
    written: StampsWritten  # what the outbox is told (digital_stampcard.visits.stamp_webhooks)


def open_key(member_id: int, program_id: int) -> str:
    return f"{member_id}:{program_id}"


async def open_card(member_id: int, program: Program) -> Card | None:
    return await Card.objects().where(Card.open_key == open_key(member_id, program.id)).first()


async def apply_stamps(
    member_id: int,
    program: Program,
    count: int,
    now: datetime,
    *,
    kind: str,
    reason: str,
    allowance: int | None,
    multiplier: int = 1,
    actor: Actor | None = None,
    scan_pk: int | None = None,
    idempotency_key: str | None = None,
    amount_ore: int | None = None,
    receipt_key: str | None = None,
    card: Card | OpenCardRow | None | Unread = UNREAD,
) -> Applied:
    """`card`: the open card as the caller already read it under the member's lock (the till's
    one read, `card_state`); read here when not given."""
    if isinstance(card, Unread):
        card = await open_card(member_id, program)
    current = policy_of(program)
    state = OpenCard(card.seq, card.stamps, _policy(card)) if card else OpenCard(1, 0, current)
    plan = plan_stamps(state, current, count, now, allowance=allowance, multiplier=multiplier)
    fills: list[dict[str, Any]] = []
    card_ids: dict[int, int] = {}
    # A card's reward value is snapshotted like the rest of its policy: the open card keeps its own.
    values = {state.seq: card.reward_value_ore if card else program.reward_value_ore}
    for fill in plan.fills:
        created = fill.opened or card is None  # the first card of a member is created on first stamp
        if created:
            inserted = await Card.insert(
                Card(
                    member=member_id,
                    program=program.id,
                    seq=fill.seq,
                    stamps=fill.stamps_added,
                    capacity=fill.policy.capacity,
                    reward_text=fill.policy.reward_text,
                    reward_valid_days=fill.policy.reward_valid_days,
                    reward_value_ore=values.get(fill.seq, program.reward_value_ore),
                    opened_at=now,
                    status="completed" if fill.completed else "open",
                    open_key=None if fill.completed else open_key(member_id, program.id),
                    completed_at=now if fill.completed else None,
                )
            ).returning(Card.id)
            card_ids[fill.seq] = inserted[0]["id"]
        else:
            assert card is not None
            changes: dict[Any, Any] = {Card.stamps: Card.stamps + fill.stamps_added}
            if fill.completed:
                changes.update({Card.status: "completed", Card.open_key: None, Card.completed_at: now})
            await Card.update(changes).where(Card.id == card.id)
            card_ids[fill.seq] = card.id
        card = None  # every later fill is a card this action opened
        fills.append({"card_id": card_ids[fill.seq], "added": fill.stamps_added, "opened": created})
    # Rewards first, so the stamp's ledger row is written once, complete (the ledger is append-only).
    reward_ids = []
    for grant in plan.rewards:
        reward = await Reward.insert(
            Reward(
                member=member_id,
                program=program.id,
                card=card_ids[grant.card_seq],
                title=grant.title,
                value_ore=values.get(grant.card_seq, program.reward_value_ore),
                status="active",
                issued_at=now,
                expires_at=grant.expires_at,
            )
        ).returning(Reward.id)
        reward_ids.append(reward[0]["id"])
    details: dict[str, Any] = {"fills": fills, "rewards": reward_ids}
    entry = await LedgerEntry.insert(
        ledger_entry(
            member_id,
            program.id,
            kind,
            plan.added,
            reason,
            now,
            actor,
            scan_pk,
            idempotency_key,
            counts_for_cap=allowance is not None,
            details=details,
            amount_ore=amount_ore,
            receipt_key=receipt_key,
        )
    ).returning(LedgerEntry.id)
    ledger_id = entry[0]["id"]
    for grant, reward_id in zip(plan.rewards, reward_ids, strict=True):
        await LedgerEntry.insert(
            ledger_entry(
                member_id,
                program.id,
                "reward_issued",
                0,
                grant.title,
                now,
                actor,
                scan_pk,
                None,
                reward_id=reward_id,
                details={"caused_by": ledger_id},
            )
        )
    granted = tuple(Granted(i, g.title, g.expires_at) for g, i in zip(plan.rewards, reward_ids, strict=True))
    written = StampsWritten(ledger_id, plan.added, kind, reason, actor.store_id if actor else None, granted)
    return Applied(ledger_id, plan, reward_ids, written)


def _policy(card: Card | OpenCardRow) -> CardPolicy:
    return CardPolicy(card.capacity, card.reward_text, card.reward_valid_days)


def ledger_entry(
    member_id: int,
    program_id: int | None,
    kind: str,
    stamps: int,
    reason: str,
    now: datetime,
    actor: Actor | None,
    scan_pk: int | None,
    idempotency_key: str | None,
    *,
    counts_for_cap: bool = False,
    reward_id: int | None = None,
    details: dict[str, Any] | None = None,
    amount_ore: int | None = None,
    receipt_key: str | None = None,
) -> LedgerEntry:
    return LedgerEntry(
        member=member_id,
        program=program_id,
        kind=kind,
        stamps=stamps,
        counts_for_cap=counts_for_cap,
        reward=reward_id,
        reason=reason,
        details=details or {},
        created_at=now,
        scan=scan_pk,
        store=actor.store_id if actor else None,
        staff=actor.staff_id if actor else None,
        actor_role=actor.role if actor else "system",
        device=actor.device if actor else "",
        ip=actor.ip if actor else "",
        idempotency_key=idempotency_key,
        amount_ore=amount_ore,
        receipt_key=receipt_key,  # "store:receipt" on a POS purchase: unique, so a receipt stamps once
    )
