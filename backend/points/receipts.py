"""Points for a POS receipt: earned once per receipt (`points_entry.receipt_key`, "store:receipt",
unique), and taken back when the receipt is voided. In the caller's transaction, the member locked."""

from __future__ import annotations

from datetime import datetime

from backend.context import Actor
from backend.members.tables import Member
from backend.points import ledger
from backend.points.program import earning_rules
from backend.points.tables import PointsEntry
from digital_stampcard import points as rules


async def _lot(receipt_key: str) -> PointsEntry | None:
    return (
        await PointsEntry.objects()
        .where((PointsEntry.receipt_key == receipt_key) & (PointsEntry.kind == "earn"))
        .first()
    )


async def member_of(receipt_key: str) -> int | None:
    """The member whose lot the receipt earned, if it earned one."""
    lot = await _lot(receipt_key)
    return int(lot.member) if lot is not None else None


async def earned_for(receipt_key: str) -> int:
    """What the receipt earned when it was first seen (0: nothing)."""
    earlier = await _lot(receipt_key)
    return int(earlier.points) if earlier is not None else 0


async def earn_for_receipt(
    member: Member,
    receipt_key: str,
    amount_ore: int,
    now: datetime,
    actor: Actor,
    *,
    scan_pk: int | None,
    key: str | None,
) -> int:
    """The receipt's points: what it earned when first seen, else earned now (0 without a points
    program, or for too small an amount)."""
    earlier = await _lot(receipt_key)
    if earlier is not None:
        return int(earlier.points)
    earning = await earning_rules(member)
    if earning is None:
        return 0
    program_rules, multiplier = earning
    points = rules.purchase_points(amount_ore, program_rules, multiplier)
    if points < 1:
        return 0
    await ledger.earn(
        member.id,
        points,
        "purchase",
        now,
        program_rules,
        purchase=True,
        actor=actor,
        scan_pk=scan_pk,
        key=key,
        amount_ore=amount_ore,
        receipt_key=receipt_key,
    )
    return points


async def reverse_receipt(
    member_id: int, receipt_key: str, reason: str, now: datetime, actor: Actor, key: str | None
) -> int | None:
    """Takes back what the receipt earned, once; returns the points taken, or None when the receipt
    earned no points or they were taken back before."""
    lot = await _lot(receipt_key)
    if lot is None or await PointsEntry.exists().where(PointsEntry.reversal_of == lot.id):
        return None
    reversal = await ledger.reverse(member_id, lot.id, reason, now, actor, key=key)
    return sum(t.points for t in reversal.takes)
