"""What a cashier does after a scan: add stamps, redeem a reward, undo the last action.

Each runs in one write transaction, serialised per member, behind an Idempotency-Key."""

from __future__ import annotations

from typing import Any

from backend.cards.idempotency import StoredResponse, run_idempotent
from backend.cards.ledger import earned_in_window, is_reversed, last_entry, stamped_today, undoable_action
from backend.cards.programs import active_program, rules_of, tier_ladder
from backend.cards.scans import load_scan
from backend.cards.schemas import RedeemIn, RedeemOut, StampIn, StampOut, UndoIn, UndoOut
from backend.cards.stamping import apply_stamps, ledger_entry, open_key
from backend.cards.tables import Card, LedgerEntry, Reward
from backend.cards.views import reward_out, scan_out
from backend.context import Actor, AppContext
from backend.db import lock_member
from backend.integrations.webhooks import emit
from backend.members.tables import Member
from backend.members.tiers import promote_if_earned
from backend.push.triggers import after_staff_stamp
from digital_stampcard import rewards as reward_rules
from digital_stampcard.cards import is_duplicate_scan, remaining_today
from digital_stampcard.errors import DomainError
from digital_stampcard.tiers import held_tier


async def add_stamps(ctx: AppContext, actor: Actor, body: StampIn, key: str | None, lang: str) -> StoredResponse:
    async def action() -> StampOut:
        scan, member = await load_scan(actor, body.scan_id, ctx)
        member = await lock_member(ctx.engine, member.id)  # re-read under the lock
        now = ctx.clock.now()
        program = await active_program()
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
        ladder = await tier_ladder()
        earned = await earned_in_window(member.id, now)
        tier = held_tier(member.tier_code, earned, ladder)
        allowance = remaining_today(await stamped_today(member.id, program.id, now), rules)
        applied = await apply_stamps(
            member.id,
            program,
            body.count,
            now,
            kind="stamp",
            reason="visit",
            allowance=allowance,
            multiplier=tier.stamp_multiplier,
            actor=actor,
            scan_pk=scan.id,
            idempotency_key=key,
        )
        await Member.update({Member.last_visit_at: now}).where(Member.id == member.id)
        promoted = await promote_if_earned(member, now, ladder, earned + applied.plan.added)
        out = await scan_out(scan, member, program, now, lang, promoted)
        await after_staff_stamp(member, program, applied, out.card, tier, promoted, now)  # the outbox, same transaction
        issued = [r for r in out.rewards if r.id in applied.reward_ids]
        return StampOut(out, applied.plan.added, issued, False, applied.plan.capped)

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:stamp", key, body, action)


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
        reward = await Reward.objects().where((Reward.id == body.reward_id) & (Reward.member == member.id)).first()
        if reward is None:
            raise DomainError("not_found", "This reward does not belong to the scanned member.", kind="not_found")
        reward_rules.check_redeemable(reward.status, reward.expires_at, now)
        redeemed = (
            await Reward.update(
                {Reward.status: "redeemed", Reward.redeemed_at: now, Reward.redeemed_store: actor.store_id}
            )
            .where((Reward.id == reward.id) & (Reward.status == "active"))
            .returning(Reward.id)
        )
        if not redeemed:
            raise DomainError("reward_not_active", "This reward has already been used.", kind="conflict")
        count = await LedgerEntry.count().where(
            (LedgerEntry.reward == reward.id) & (LedgerEntry.kind == "reward_redeemed")
        )
        entry = ledger_entry(
            member.id, reward.program, "reward_redeemed", 0, reward.title, now, actor, scan.id, key, reward_id=reward.id
        )
        entry.redemption_of = f"{reward.id}#{count + 1}"  # unique: a reward is redeemed once per issue
        await LedgerEntry.insert(entry)
        await Member.update({Member.last_visit_at: now}).where(Member.id == member.id)
        redeemed_data = {"reward_id": reward.id, "title": reward.title, "store_id": actor.store_id}
        await emit("reward.redeemed", member.id, redeemed_data, now)
        program = await active_program()
        reward.status, reward.redeemed_at = "redeemed", now
        return RedeemOut(await scan_out(scan, member, program, now, lang), reward_out(reward, now))

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:redeem", key, body, action)


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
        program = await active_program()
        return UndoOut(await scan_out(scan, member, program, now, lang))

    return await run_idempotent(ctx, f"staff:{actor.staff_id}:undo", key, body, action)


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
