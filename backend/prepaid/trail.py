"""The klippekort trail for the owner: every entry newest first, with who, where and what reversed it
(cursor = entry id), filtered by member number."""

from __future__ import annotations

from backend.prepaid.schemas import EntryOut, EntryPage
from backend.prepaid.tables import PrepaidEntry
from digital_stampcard import prepaid as rules

MAX_LIMIT = 100


async def entries(member: str | None, before: int | None, limit: int) -> EntryPage:
    limit = max(1, min(limit, MAX_LIMIT))
    select = PrepaidEntry.select(
        *PrepaidEntry.all_columns(),
        PrepaidEntry.card.name,
        PrepaidEntry.card.used,
        PrepaidEntry.card.status,
        PrepaidEntry.member.member_number,
        PrepaidEntry.store.name,
        PrepaidEntry.staff.name,
    )
    number = "".join((member or "").split())
    if number:
        select = select.where(PrepaidEntry.member.member_number == number)
    if before is not None:
        select = select.where(PrepaidEntry.id < before)
    rows = await select.order_by(PrepaidEntry.id, ascending=False).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r["id"] for r in rows]
    reversed_by: dict[int, int] = {}
    if ids:
        for r in await PrepaidEntry.select(PrepaidEntry.id, PrepaidEntry.reverses).where(
            PrepaidEntry.reverses.is_in(ids)
        ):
            reversed_by[r["reverses"]] = r["id"]
    out = []
    for r in rows:
        by = reversed_by.get(r["id"])
        voidable = (
            by is None
            and r["card.status"] == "active"  # a refunded or voided card changes no more
            and r["kind"] in rules.VOIDABLE_KINDS
            and not (r["kind"] == "sale" and r["card.used"] > 0)
        )
        out.append(
            EntryOut(
                id=r["id"],
                at=r["created_at"],
                kind=r["kind"],
                card_id=r["card"],
                card_name=r["card.name"],
                units=r["units"],
                value_ore=r["value_ore"],
                reason=r["reason"],
                member_number=r["member.member_number"],
                store=r["store.name"],
                staff=r["staff.name"],
                actor_role=r["actor_role"],
                reverses=r["reverses"],
                reversed_by=by,
                voidable=voidable,
            )
        )
    return EntryPage(out, ids[-1] if more else None)
