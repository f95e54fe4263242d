"""What a cashier does after a scan: add stamps, redeem a reward, undo the last action.

Each runs in one write transaction, serialised per member, behind an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.cards.gifts import take_back_gifts
from backend.cards.idempotency import StoredResponse, run_idempotent
from backend.cards.ledger import (
    earned_in_window,
    is_reversed,
    last_entry,
    stamped_today,
    tier_window_days,
    undoable_action,
)
from backend.cards.programs import active_program, find_program, rules_of, tier_ladder
from backend.cards.scans import load_scan
from backend.cards.schemas import RedeemIn, RedeemOut, StampIn, StampOut, UndoIn, UndoOut
from backend.cards.stamping import Applied, apply_stamps, ledger_entry, open_key
from backend.cards.tables import Card, LedgerEntry, Program, Reward
from backend.cards.views import card_out, reward_out, scan_out
from backend.cards.visit_bonuses import give_visit_bonuses
from backend.context import Actor, AppContext
from backend.integrations.webhooks import emit
from backend.members.locking import lock_member
from backend.members.tables import Member
from backend.members.tiers import promote_if_earned
from backend.push.triggers import after_staff_stamp
from digital_stampcard import rewards as reward_rules
from digital_stampcard.cards import is_duplicate_scan, remaining_today
from digital_stampcard.errors import DomainError
from digital_stampcard.purchases import stamps_for_purchase
from digital_stampcard.tiers import Tier, held_tier


async def add_stamps(ctx: AppContext, actor: Actor, body: StampIn, key: str | None, lang: str) -> StoredResponse:
    async def action() -> StampOut:
        scan, member = await load_scan(actor, body.scan_id, ctx)
        member = await lock_member(ctx.engine, member.id)  # re-read under the lock
        now = ctx.clock.now()
        program = await active_program(actor.store_id, now)
        count = _stamps_asked(program, body)
        rules = rules_of(program)
        previous = await last_entry(member.id, ("stamp",), program.id)
        # A second *scan* of the member inside the window returns the first result; more stamps on
        # the same scan are the cashier's deliberate choice (the daily cap still holds).
        if (
            previous
            and previous.scan != scan.id
            and not await is_reversed(previous.id)
            and is_duplicate_scan(previous.created_at, now, rules)
        ):
            return StampOut(await scan_out(scan, member, program, now, lang), 0, [], duplicate=True, capped=False)
        applied, promoted = await stamp_member(
            member, program, count, now, actor, scan_pk=scan.id, key=key, amount_ore=body.amount_ore
        )
        out = await scan_out(scan, member, program, now, lang, promoted)
        issued = [r for r in out.rewards if r.id in applied.reward_ids]
        return StampOut(out, applied.plan.added, issued, False, applied.plan.capped)

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:stamp", key, body, action)


async def stamp_member(
    member: Member,
    program: Program,
    count: int,
    now: datetime,
    actor: Actor,
    *,
    scan_pk: int | None,
    key: str | None,
    amount_ore: int | None = None,
    receipt_key: str | None = None,
) -> tuple[Applied, Tier]:
    """Stamps as the till and the POS API give them, in the caller's transaction with the member
    locked: the tier multiplier, the daily cap, cards and rewards (webhooks), the member's visit and
    tier, and push. Returns what was applied and the member's tier after it."""
    ladder = await tier_ladder()
    earned = await earned_in_window(member.id, now, await tier_window_days())
    tier = held_tier(member.tier_code, earned, ladder)
    allowance = remaining_today(await stamped_today(member.id, program.id, now), rules_of(program))
    applied = await apply_stamps(
        member.id,
        program,
        count,
        now,
        kind="stamp",
        reason="purchase" if program.stamp_basis == "amount" else "visit",
        allowance=allowance,
        multiplier=tier.stamp_multiplier,
        actor=actor,
        scan_pk=scan_pk,
        idempotency_key=key,
        amount_ore=amount_ore,
        receipt_key=receipt_key,
    )
    await give_visit_bonuses(member, program, now, actor, applied.ledger_id)  # same transaction
    await Member.update({Member.last_visit_at: now}).where(Member.id == member.id)
    promoted = await promote_if_earned(member, now, ladder, earned + applied.plan.added, program)
    card = await card_out(member.id, program)
    await after_staff_stamp(member, program, applied, card, tier, promoted, now)  # the outbox, same transaction
    return applied, promoted


async def redeem(ctx: AppContext, actor: Actor, body: RedeemIn, key: str | None, lang: str) -> StoredResponse:
    async def action() -> RedeemOut:
        scan, member = await load_scan(actor, body.scan_id, ctx)
        if scan.method != "qr":
            raise DomainError(
                "manual_entry_cannot_redeem",
                "Rewards can only be redeemed from the member's QR code.",
                kind="forbidden",
            )
        member = await lock_member(ctx.engine, member.id)
        now = ctx.clock.now()
        reward = await redeem_reward(member, body.reward_id, now, actor, scan_pk=scan.id, key=key)
        program = await find_program(actor.store_id, now)  # a reward is redeemable where no program runs
        return RedeemOut(await scan_out(scan, member, program, now, lang), reward_out(reward, now))

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:redeem", key, body, action)


async def redeem_reward(
    member: Member, reward_id: int, now: datetime, actor: Actor, *, scan_pk: int, key: str | None
) -> Reward:
    """Redeems one of the member's rewards exactly once (the till and the POS API), in the caller's
    transaction with the member locked; the caller has checked the member showed their QR code."""
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
    redeemed_data = {"reward_id": reward.id, "title": reward.title, "store_id": actor.store_id}
    await emit("reward.redeemed", member.id, redeemed_data, now)
    reward.status, reward.redeemed_at = "redeemed", now
    return reward


async def undo(ctx: AppContext, actor: Actor, body: UndoIn, key: str | None, lang: str) -> StoredResponse:
    async def action() -> UndoOut:
        scan, member = await load_scan(actor, body.scan_id, ctx)
        member = await lock_member(ctx.engine, member.id)
        now = ctx.clock.now()
        last = await undoable_action(member.id)
        if last is None or last.id != body.ledger_id:
            raise DomainError("nothing_to_undo", "Only the member's last action can be undone.", kind="conflict")
        if actor.role != "owner" and last.store != actor.store_id:
            raise DomainError("forbidden", "Only the store that did it can undo this.", kind="forbidden")
        reward_rules.check_undo_window(last.created_at, now)
        if last.kind == "stamp":
            await _reverse_stamps(last, body.reason, now)
            await take_back_gifts(last, body.reason, now, actor)
        else:
            await _reverse_redemption(last, now)
        entry = ledger_entry(
            member.id,
            last.program,
            "undo",
            -last.stamps if last.kind == "stamp" else 0,
            body.reason,
            now,
            actor,
            scan.id,
            key,
            counts_for_cap=last.counts_for_cap,
            reward_id=last.reward,
            details={"undid": last.kind},
        )
        entry.reverses = last.id
        await LedgerEntry.insert(entry)
        program = await find_program(actor.store_id, now)
        return UndoOut(await scan_out(scan, member, program, now, lang))

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:undo", key, body, action)


def _stamps_asked(program: Program, body: StampIn) -> int:
    """By visit: the cashier's count. By amount: what the purchase earns; too small a purchase is
    refused before anything is written, with the amount the next stamp needs."""
    if program.stamp_basis != "amount":
        return body.count
    count = stamps_for_purchase("amount", body.amount_ore, program.ore_per_stamp)
    if count < 1:
        raise DomainError(
            "amount_too_small",
            "This purchase is too small for a stamp.",
            field="amount_ore",
            ore_per_stamp=program.ore_per_stamp,
        )
    return count


async def _reverse_stamps(entry: LedgerEntry, reason: str, now: Any) -> None:
    fills = entry.details.get("fills", [])
    # Cards this action opened go first, which frees the "one open card" slot for the reopened one.
    for fill in [f for f in fills if f["opened"]]:
        await Card.update({Card.status: "voided", Card.open_key: None}).where(Card.id == fill["card_id"])
    for fill in [f for f in fills if not f["opened"]]:
        await Card.update(
            {
                Card.stamps: Card.stamps - fill["added"],
                Card.status: "open",
                Card.completed_at: None,
                Card.open_key: open_key(entry.member, entry.program),
            }
        ).where(Card.id == fill["card_id"])
    for reward_id in entry.details.get("rewards", []):
        await Reward.update({Reward.status: "revoked", Reward.revoked_reason: reason}).where(
            (Reward.id == reward_id) & (Reward.status == "active")
        )


async def _reverse_redemption(entry: LedgerEntry, now: Any) -> None:
    await Reward.update({Reward.status: "active", Reward.redeemed_at: None, Reward.redeemed_store: None}).where(
        (Reward.id == entry.reward) & (Reward.status == "redeemed")
    )
