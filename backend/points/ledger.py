"""The points ledger: a member's lots as `digital_stampcard.points` sees them, read in one statement,
and the rows that earn and spend. Writers hold the member's lock (`backend.members.locking`), so the
lots they plan from are the lots there are: two tills and the phone never spend the same points."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.context import Actor
from backend.points.schemas import BalanceOut, PointsEntryOut
from backend.points.tables import PointsEntry, PointsItem
from digital_stampcard import points as rules
from digital_stampcard.errors import DomainError

_LOTS = (
    "SELECT e.id, e.points, e.created_at, e.confirms_at, e.expires_at, "
    "COALESCE((SELECT -SUM(t.points) FROM points_entry t WHERE t.lot = e.id AND t.kind IN ('spend', 'reverse')), 0) "
    "AS spent, "
    "COALESCE((SELECT -SUM(t.points) FROM points_entry t WHERE t.lot = e.id AND t.kind = 'expire'), 0) AS expired, "
    "EXISTS (SELECT 1 FROM points_entry r WHERE r.reversal_of = e.id) AS reversed "
    "FROM points_entry e WHERE e.member = {} AND e.kind = 'earn' ORDER BY e.id"
)


async def lots_of(member_id: int) -> list[rules.Lot]:
    rows = await PointsEntry.raw(_LOTS, member_id)
    return [
        rules.Lot(
            r["id"],
            r["points"],
            r["created_at"],
            r["confirms_at"],
            r["expires_at"],
            spent=int(r["spent"]),
            expired=int(r["expired"]),
            reversed=bool(r["reversed"]),
        )
        for r in rows
    ]


def balance_out(lots: list[rules.Lot], now: datetime, program_rules: rules.PointsRules) -> BalanceOut:
    b = rules.balance(lots, now, program_rules)
    return BalanceOut(b.confirmed, b.pending, b.expiring, b.expiring_at)


def _row(
    member_id: int, kind: str, points: int, reason: str, now: datetime, actor: Actor | None, **more: Any
) -> PointsEntry:
    return PointsEntry(
        member=member_id,
        kind=kind,
        points=points,
        reason=reason,
        store=actor.store_id if actor else None,
        staff=actor.staff_id if actor else None,
        actor_role=actor.role if actor else "system",
        created_at=now,
        **more,
    )


async def earn(
    member_id: int,
    points: int,
    reason: str,
    now: datetime,
    program_rules: rules.PointsRules,
    *,
    purchase: bool,
    actor: Actor | None,
    scan_pk: int | None = None,
    key: str | None = None,
    amount_ore: int | None = None,
    receipt_key: str | None = None,
) -> int:
    """A new lot; its dates follow the rules in force now. Returns the entry's id. `receipt_key`
    ("store:receipt", unique): a POS receipt's lot, so a receipt earns once."""
    confirms_at, expires_at = rules.lot_dates(now, program_rules, purchase=purchase)
    row = _row(
        member_id,
        "earn",
        points,
        reason,
        now,
        actor,
        confirms_at=confirms_at,
        expires_at=expires_at,
        scan=scan_pk,
        idempotency_key=key,
        amount_ore=amount_ore,
        receipt_key=receipt_key,
    )
    await row.save()
    return int(row.id)


async def spend(
    member_id: int, item: PointsItem, now: datetime, actor: Actor | None, *, scan_pk: int | None, key: str | None
) -> list[rules.Take]:
    """Spends the item's cost from the member's lots, the first to expire first, and takes one from
    its stock. Refused with nothing written when the points or the stock are not there."""
    takes = rules.plan_spend(await lots_of(member_id), item.cost, now)
    if item.stock is not None:
        # Conditional: the last one in stock goes once, whatever other members do at the same time.
        taken = (
            await PointsItem.update({PointsItem.stock: PointsItem.stock - 1})
            .where((PointsItem.id == item.id) & (PointsItem.stock > 0))
            .returning(PointsItem.id)
        )
        if not taken:
            raise DomainError("out_of_stock", "This reward is out of stock.", kind="conflict")
    for take in takes:
        await _row(
            member_id,
            "spend",
            -take.points,
            item.name,
            now,
            actor,
            lot=take.lot_id,
            item=item.id,
            scan=scan_pk,
            idempotency_key=key,
        ).save()
    return takes


async def expire(member_id: int, take: rules.Take, now: datetime) -> None:
    await _row(member_id, "expire", -take.points, "expired", now, None, lot=take.lot_id).save()


async def history(member_id: int, limit: int = 20) -> list[PointsEntryOut]:
    """The member's points, newest first; a spend from several lots shows as one line."""
    rows = (
        await PointsEntry.select(PointsEntry.created_at, PointsEntry.kind, PointsEntry.points, PointsEntry.reason)
        .where(PointsEntry.member == member_id)
        .order_by(PointsEntry.id, ascending=False)
        .limit(limit * 4)
    )
    lines: list[PointsEntryOut] = []
    for r in rows:
        last = lines[-1] if lines else None
        if (
            last
            and (last.created_at, last.kind, last.reason) == (r["created_at"], r["kind"], r["reason"])
            and r["kind"] != "earn"
        ):
            lines[-1] = PointsEntryOut(last.created_at, last.kind, last.points + r["points"], last.reason)
        else:
            lines.append(PointsEntryOut(r["created_at"], r["kind"], r["points"], r["reason"]))
    return lines[:limit]


async def reverse(
    member_id: int, lot_id: int, reason: str, now: datetime, actor: Actor | None, *, key: str | None
) -> rules.Reversal:
    """Takes back exactly what the lot earned (`digital_stampcard.points.plan_reversal`): a row on
    the lot itself always (0 points when nothing was left in it), which marks it reversed, and rows
    on the other lots for what was already spent from it."""
    lots = await lots_of(member_id)
    lot = next((x for x in lots if x.id == lot_id), None)
    if lot is None:
        raise DomainError("not_found", "There are no such points.", kind="not_found")
    reversal = rules.plan_reversal(lot, lots, now)
    own = sum(t.points for t in reversal.takes if t.lot_id == lot_id)
    others = [t for t in reversal.takes if t.lot_id != lot_id]
    for lot_taken, points in [(lot_id, own), *((t.lot_id, t.points) for t in others)]:
        await _row(
            member_id, "reverse", -points, reason, now, actor, lot=lot_taken, reversal_of=lot_id, idempotency_key=key
        ).save()
    return reversal
