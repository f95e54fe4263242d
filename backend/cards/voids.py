"""Voiding a ledger entry: one write transaction, serialised per member, behind an Idempotency-Key.

The void is a new ledger row (kind "void", negative stamps, `reverses` = the voided entry, the
owner's reason); each reward it revokes gets a "reward_revoked" row with the same reason, which is
what the member sees. The unique `reverses` column is the last defence against a double void."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.cards.gifts import take_back_gifts
from backend.cards.stamping import ledger_entry, open_key
from backend.cards.tables import Card, LedgerEntry, Reward
from backend.cards.void_schemas import CardAfter, RewardNote, VoidIn, VoidOut
from backend.context import Actor, AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from backend.members.locking import lock_member
from digital_stampcard import rewards as reward_rules
from digital_stampcard import voids
from digital_stampcard.errors import DomainError

STATUS_ORDER = {"voided": 0, "completed": 1, "open": 2}  # free the open-card slot before taking it


async def void_entry(ctx: AppContext, owner: Actor, body: VoidIn, key: str | None) -> StoredResponse:
    async def action() -> VoidOut:
        entry = await LedgerEntry.objects().output(load_json=True).where(LedgerEntry.id == body.entry_id).first()
        if entry is None:
            raise DomainError("not_found", "There is no such ledger entry.", kind="not_found")
        return await void_ledger_entry(ctx, owner, entry, body.reason, key)

    return await run_idempotent(ctx, f"owner:{owner.staff_id}:void", key, body, action)


async def void_ledger_entry(ctx: AppContext, actor: Actor, entry: LedgerEntry, reason: str, key: str | None) -> VoidOut:
    """Voids `entry` in the caller's write transaction: the owner's audit screen, and the POS API
    voiding a receipt."""
    reason = voids.clean_reason(reason)
    member = await lock_member(ctx.engine, entry.member)
    now = ctx.clock.now()
    reversal = await LedgerEntry.select(LedgerEntry.id).where(LedgerEntry.reverses == entry.id).first()
    voids.check_voidable(entry.kind, entry.stamps, reversal["id"] if reversal else None)
    plan = voids.plan_void(entry.stamps, *await _cards(entry, now))
    await _apply(entry, plan, reason)
    void = ledger_entry(
        member.id,
        entry.program,
        "void",
        -entry.stamps,
        reason,
        now,
        actor,
        None,
        key,
        counts_for_cap=voids.counts_for_cap(entry.counts_for_cap, entry.created_at, now),
        details={
            "voided": entry.kind,
            "taken_back": plan.taken_back,
            "not_recovered": plan.not_recovered,
            "revoked": plan.revoked,
            "kept": plan.kept,
            "cards": [{"card_id": c.card_id, "stamps": c.stamps, "status": c.status} for c in plan.changes],
        },
    )
    void.store = entry.store  # the correction belongs to the store that gave the stamps
    void.reverses = entry.id
    void_id = (await LedgerEntry.insert(void).returning(LedgerEntry.id))[0]["id"]
    if entry.kind == "stamp":  # a refunded visit takes its gifts back too (a surprise, a referral's rewards)
        await take_back_gifts(entry, reason, now, actor)
    revoked = await _notes(plan.revoked)
    for note in revoked:
        revoked_row = ledger_entry(
            member.id,
            entry.program,
            "reward_revoked",
            0,
            reason,
            now,
            actor,
            None,
            None,
            reward_id=note.id,
            details={"caused_by": void_id},
        )
        revoked_row.store = entry.store
        await LedgerEntry.insert(revoked_row)
    card = await Card.objects().where(Card.open_key == open_key(member.id, entry.program)).first()
    return VoidOut(
        void_id=void_id,
        entry_id=entry.id,
        member_number=member.member_number,
        reason=reason,
        stamps_voided=plan.stamps_voided,
        taken_back=plan.taken_back,
        not_recovered=plan.not_recovered,
        revoked=revoked,
        kept=await _notes(plan.kept, now),
        card=CardAfter(card.stamps, card.capacity) if card else None,
    )


async def _cards(entry: LedgerEntry, now: datetime) -> tuple[voids.VoidCard | None, list[voids.VoidCard]]:
    """The member's open card and the cards the entry filled (oldest first), with their rewards."""
    filled_ids = [int(f["card_id"]) for f in (entry.details or {}).get("fills", []) if f.get("added", 0) > 0]
    current = await Card.objects().where(Card.open_key == open_key(entry.member, entry.program)).first()
    ids = list({*filled_ids, *([current.id] if current else [])})
    cards = {c.id: c for c in await Card.objects().where(Card.id.is_in(ids))} if ids else {}
    rewards = {r.card: r for r in await Reward.objects().where(Reward.card.is_in(ids))} if ids else {}

    def view(card: Card) -> voids.VoidCard:
        reward = rewards.get(card.id)
        status = reward_rules.effective_status(reward.status, reward.expires_at, now) if reward else None
        return voids.VoidCard(card.id, card.stamps, card.capacity, card.status, reward.id if reward else None, status)

    return (view(current) if current else None), [view(cards[i]) for i in filled_ids if i in cards]


async def _apply(entry: LedgerEntry, plan: voids.VoidPlan, reason: str) -> None:
    for change in sorted(plan.changes, key=lambda c: STATUS_ORDER[c.status]):
        values: dict[Any, Any] = {Card.stamps: change.stamps, Card.status: change.status}
        if change.status == "open":
            values.update({Card.open_key: open_key(entry.member, entry.program), Card.completed_at: None})
        else:
            values[Card.open_key] = None
        await Card.update(values).where(Card.id == change.card_id)
    if plan.revoked:
        await Reward.update({Reward.status: "revoked", Reward.revoked_reason: reason}).where(
            Reward.id.is_in(plan.revoked) & (Reward.status == "active")
        )


async def _notes(reward_ids: list[int], now: datetime | None = None) -> list[RewardNote]:
    if not reward_ids:
        return []
    rows = await Reward.objects().where(Reward.id.is_in(reward_ids)).order_by(Reward.id)
    return [
        RewardNote(r.id, r.title, reward_rules.effective_status(r.status, r.expires_at, now) if now else r.status)
        for r in rows
    ]
