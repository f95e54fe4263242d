"""The POS and web-shop API: look a member up, stamp a purchase by its receipt, void a receipt,
redeem a reward. The till's rules apply (program, daily cap, tier multiplier, QR-only redemption),
with the key's service account as the actor. Every call runs behind an Idempotency-Key; on top of
that a receipt ("store:receipt_id", unique in the ledger) stamps once, whatever key it comes with."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend import visits
from backend.cards import scans
from backend.cards.programs import find_program
from backend.cards.tables import LedgerEntry, Program, Reward, Scan
from backend.cards.views import card_out
from backend.cards.voids import void_ledger_entry
from backend.context import AppContext
from backend.core.idempotency import StoredResponse, run_idempotent
from backend.db import UNIQUE_VIOLATIONS
from backend.integrations.api_keys import PosCaller
from backend.members.locking import lock_member
from backend.members.tables import Member
from backend.points import receipts as points_receipts
from backend.pos.schemas import (
    LookupIn,
    LookupOut,
    PosCard,
    PosReward,
    PurchaseIn,
    PurchaseOut,
    RedeemIn,
    RedeemOut,
    VoidReceiptIn,
    VoidReceiptOut,
)
from digital_stampcard import member_qr
from digital_stampcard import rewards as reward_rules
from digital_stampcard.errors import DomainError
from digital_stampcard.purchases import stamps_for_purchase


def _one_member_field(**given: str | None) -> tuple[str, str]:
    present = [(name, value) for name, value in given.items() if value is not None]
    if len(present) != 1:
        raise DomainError("validation_error", f"Give exactly one of: {', '.join(given)}.")
    return present[0]


async def _card(member_id: int, program: Program | None) -> PosCard | None:
    if program is None:
        return None
    card = await card_out(member_id, program)
    return PosCard(card.stamps, card.capacity, card.reward_text)


def _reward(reward: Reward, now: datetime) -> PosReward:
    return PosReward(
        reward.id, reward.title, reward_rules.effective_status(reward.status, reward.expires_at, now), reward.expires_at
    )


async def _rewards(ids: list[int], now: datetime) -> list[PosReward]:
    rows = await Reward.objects().where(Reward.id.is_in(ids)).order_by(Reward.id) if ids else []
    return [_reward(r, now) for r in rows]


async def _member(member_id: int) -> Member:
    member = await Member.objects().where(Member.id == member_id).first()
    if member is None:
        raise DomainError("member_not_found", "This member no longer exists.", kind="not_found")
    return member


async def lookup(ctx: AppContext, caller: PosCaller, body: LookupIn, key: str | None) -> StoredResponse:
    caller.require("members:read")
    field, value = _one_member_field(qr=body.qr, member_number=body.member_number, phone=body.phone)
    if field == "qr" and not member_qr.looks_like_token(value.strip().upper()):
        raise member_qr.qr_invalid()

    async def action() -> LookupOut:
        # The till's scan: a QR code is verified and used once; a number or phone is a manual
        # entry, with the till's limits (per key) and the owner's alerts.
        if field == "qr":
            scan, member = await scans.present(ctx, caller.actor, value)
        else:
            scan, member = await scans.present_typed(ctx, caller.actor, value)
        now = ctx.clock.now()
        program = await find_program(caller.store_id, now)
        active = (
            await Reward.objects()
            .where((Reward.member == member.id) & (Reward.status == "active") & (Reward.expires_at > now))
            .order_by(Reward.expires_at)
        )
        return LookupOut(
            member_number=member.member_number,
            first_name=member.first_name,
            card=await _card(member.id, program),
            rewards=[_reward(r, now) for r in active],
            lookup_id=scan.public_id,
            lookup_expires_at=scan.expires_at,
            can_redeem=scan.method == "qr",
        )

    return await run_idempotent(ctx, f"pos:{caller.key_id}:lookup", key, body, action)


async def _buyer(ctx: AppContext, caller: PosCaller, body: PurchaseIn) -> tuple[Scan | None, Member]:
    """The member the purchase names, with the look-up's scan; None for a member typed in, whose manual
    scan the caller records once it holds the member's lock (a scan row first would share-lock the
    member's row, and twin purchases would deadlock on PostgreSQL taking the lock)."""
    field, value = _one_member_field(lookup_id=body.lookup_id, member_number=body.member_number, phone=body.phone)
    if field == "lookup_id":
        return await scans.load_scan(caller.actor, value, ctx)
    # Naming a member by phone or number is a look-up: without that scope a stamping-only key could
    # test which phone numbers belong to members, and with it the till's typed-entry limits apply per
    # key (found or not) and each member found is a manual scan the owner's alerts count.
    caller.require("members:read")
    return None, await scans.find_typed(ctx, caller.actor, value)  # the receipt is the proof of the visit


async def purchase(ctx: AppContext, caller: PosCaller, body: PurchaseIn, key: str | None) -> StoredResponse:
    caller.require("stamps:write")
    receipt_key = f"{caller.store_id}:{body.receipt_id}"

    async def action() -> PurchaseOut:
        scan, member = await _buyer(ctx, caller, body)
        member = await lock_member(ctx.engine, member.id)  # serialises this member's writers
        if scan is None:
            scan = await scans.record_typed(ctx, caller.actor, member.id)
        now = ctx.clock.now()
        first = await _stamped_receipt(receipt_key)
        if first is not None:
            again = await _purchase_again(first, body.receipt_id, caller, now)
            return msgspec.structs.replace(again, points_earned=await points_receipts.earned_for(receipt_key))
        program = await find_program(caller.store_id, now)
        if program is None:
            raise DomainError("no_program", "No stamp card program applies in this store right now.", kind="conflict")
        # A purchase earns points whatever the stamps do (a daily cap, too small for a stamp).
        points = await points_receipts.earn_for_receipt(
            member, receipt_key, body.amount_ore, now, caller.actor, scan_pk=scan.id, key=key
        )
        count = stamps_for_purchase(program.stamp_basis, body.amount_ore, program.ore_per_stamp)
        if count == 0:  # too small a purchase: no stamp to record, the receipt stays unused for stamps
            card = await _card(member.id, program)
            return PurchaseOut(
                body.receipt_id, member.member_number, 0, [], card, duplicate=False, capped=False, points_earned=points
            )
        try:
            applied = (
                await visits.stamp_member(
                    member,
                    program,
                    count,
                    now,
                    caller.actor,
                    scan_pk=scan.id,
                    key=key,
                    amount_ore=body.amount_ore,
                    receipt_key=receipt_key,
                )
            ).applied
        except DomainError as exc:
            # The till tells its cashier; a POS gets the plain answer (raised before any write).
            if exc.code != "daily_cap_reached":
                raise
            card = await _card(member.id, program)
            return PurchaseOut(
                body.receipt_id, member.member_number, 0, [], card, duplicate=False, capped=True, points_earned=points
            )
        return PurchaseOut(
            receipt_id=body.receipt_id,
            member_number=member.member_number,
            stamps_added=applied.plan.added,
            rewards_issued=await _rewards(applied.reward_ids, now),
            card=await _card(member.id, program),
            duplicate=False,
            capped=applied.plan.capped,
            points_earned=points,
        )

    try:
        return await run_idempotent(ctx, f"pos:{caller.key_id}:purchase", key, body, action)
    except UNIQUE_VIOLATIONS as exc:
        # Last line of defence: a twin with another Idempotency-Key (and another member lock)
        # committed this receipt first. Everything here was rolled back; the retry answers the twin's.
        if "receipt_key" not in str(exc):
            raise
    return await run_idempotent(ctx, f"pos:{caller.key_id}:purchase", key, body, action)


async def _stamped_receipt(receipt_key: str) -> LedgerEntry | None:
    return (
        await LedgerEntry.objects()
        .output(load_json=True)
        .where((LedgerEntry.receipt_key == receipt_key) & (LedgerEntry.kind == "stamp"))
        .first()
    )


async def _purchase_again(first: LedgerEntry, receipt_id: str, caller: PosCaller, now: datetime) -> PurchaseOut:
    """The answer to a receipt seen before: what it earned then, the card as it is now."""
    member = await _member(first.member)
    program = await find_program(caller.store_id, now)
    issued = await _rewards([int(i) for i in (first.details or {}).get("rewards", [])], now)
    card = await _card(member.id, program)
    return PurchaseOut(receipt_id, member.member_number, first.stamps, issued, card, duplicate=True, capped=False)


async def void_receipt(
    ctx: AppContext, caller: PosCaller, receipt_id: str, body: VoidReceiptIn, key: str | None
) -> StoredResponse:
    """Takes back the receipt's stamps (a new ledger row); a reward built on them is revoked if it
    is still unused. Voiding the same receipt again answers what the first void did."""
    caller.require("stamps:void")
    receipt_key = f"{caller.store_id}:{receipt_id}"

    async def action() -> VoidReceiptOut:
        entry = await _stamped_receipt(receipt_key)
        if entry is None:
            # A receipt whose stamps the daily cap took may still have earned points: those go back.
            points_member = await points_receipts.member_of(receipt_key)
            if points_member is None:
                raise DomainError(
                    "receipt_not_found", "This store has no stamped purchase with that receipt id.", kind="not_found"
                )
            member = await lock_member(ctx.engine, points_member)
            now = ctx.clock.now()
            back = await points_receipts.reverse_receipt(member.id, receipt_key, body.reason, now, caller.actor, key)
            card = await _card(member.id, await find_program(caller.store_id, now))
            return VoidReceiptOut(receipt_id, member.member_number, 0, [], card, back is None, back or 0)
        member = await lock_member(ctx.engine, entry.member)
        now = ctx.clock.now()
        program = await find_program(caller.store_id, now)
        # The receipt's points go back with its stamps, once (a second void takes nothing more).
        points_back = (
            await points_receipts.reverse_receipt(member.id, receipt_key, body.reason, now, caller.actor, key) or 0
        )
        earlier = await LedgerEntry.objects().output(load_json=True).where(LedgerEntry.reverses == entry.id).first()
        if earlier is not None or entry.stamps <= 0:  # voided or undone before, or capped to nothing
            revoked = [int(i) for i in (earlier.details or {}).get("revoked", [])] if earlier else []
            voided = -earlier.stamps if earlier else 0
            card = await _card(member.id, program)
            revoked_rewards = await _rewards(revoked, now)
            return VoidReceiptOut(receipt_id, member.member_number, voided, revoked_rewards, card, True, points_back)
        out = await void_ledger_entry(ctx, caller.actor, entry, body.reason, key)
        revoked_rewards = await _rewards([r.id for r in out.revoked], now)
        card = await _card(member.id, program)
        return VoidReceiptOut(
            receipt_id, member.member_number, out.stamps_voided, revoked_rewards, card, False, points_back
        )

    request = {"receipt_id": receipt_id, "reason": body.reason}
    return await run_idempotent(ctx, f"pos:{caller.key_id}:void", key, request, action)


async def redeem(ctx: AppContext, caller: PosCaller, reward_id: int, body: RedeemIn, key: str | None) -> StoredResponse:
    caller.require("rewards:redeem")

    async def action() -> RedeemOut:
        scan, member = await scans.load_scan(caller.actor, body.lookup_id, ctx, lock=True)
        reward_rules.check_redeem_method(scan.method)
        now = ctx.clock.now()
        reward = await visits.redeem(member, reward_id, now, caller.actor, scan_pk=scan.id, key=key)
        program = await find_program(caller.store_id, now)
        return RedeemOut(member.member_number, _reward(reward, now), await _card(member.id, program))

    request = {"reward_id": reward_id, "lookup_id": body.lookup_id}
    return await run_idempotent(ctx, f"pos:{caller.key_id}:redeem", key, request, action)
