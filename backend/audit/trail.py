"""The audit trail: the append-only ledger, filtered and paged newest first (cursor = entry id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.accounts.tables import StaffAccount
from backend.audit.schemas import ACTIONS, AuditEntry, AuditFilters, AuditMember, AuditPage, Named
from backend.cards.tables import LedgerEntry
from backend.club.tables import Store
from digital_stampcard.errors import DomainError
from digital_stampcard.voids import VOIDABLE_KINDS

MAX_LIMIT = 100


class AuditQuery:
    def __init__(
        self,
        *,
        store: int | None = None,
        staff: int | None = None,
        member: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> None:
        if action is not None and action not in ACTIONS:
            raise DomainError("validation_error", "Unknown action.", errors=[{"field": "action", "message": "unknown"}])
        self.store, self.staff, self.action = store, staff, action
        self.member = "".join((member or "").split()) or None  # "123 456 789" as shown on the phone
        self.since, self.until, self.before = since, until, before
        self.limit = max(1, min(limit, MAX_LIMIT))


async def audit_page(query: AuditQuery) -> AuditPage:
    where = []
    if query.store is not None:
        where.append(LedgerEntry.store == query.store)
    if query.staff is not None:
        where.append(LedgerEntry.staff == query.staff)
    if query.member is not None:
        where.append(LedgerEntry.member.member_number == query.member)
    if query.action is not None:
        where.append(LedgerEntry.kind == query.action)
    if query.since is not None:
        where.append(LedgerEntry.created_at >= query.since)
    if query.until is not None:
        where.append(LedgerEntry.created_at < query.until)
    if query.before is not None:
        where.append(LedgerEntry.id < query.before)
    select = LedgerEntry.select(
        *LedgerEntry.all_columns(exclude=["details"]),
        LedgerEntry.details,
        LedgerEntry.member.member_number,
        LedgerEntry.member.first_name,
        LedgerEntry.store.name,
        LedgerEntry.staff.name,
        LedgerEntry.reward.title,
    ).output(load_json=True)
    for condition in where:
        select = select.where(condition)
    rows = await select.order_by(LedgerEntry.id, ascending=False).limit(query.limit + 1)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    ids = [r["id"] for r in rows]
    reversals: dict[int, int] = {}
    if ids:
        for r in await LedgerEntry.select(LedgerEntry.id, LedgerEntry.reverses).where(LedgerEntry.reverses.is_in(ids)):
            reversals[r["reverses"]] = r["id"]
    return AuditPage([_entry(r, reversals.get(r["id"])) for r in rows], ids[-1] if more else None)


def _entry(r: dict[str, Any], voided_by: int | None) -> AuditEntry:
    def named(key: str, name: str) -> Named | None:
        return Named(r[key], r[name]) if r[key] is not None else None

    return AuditEntry(
        id=r["id"],
        at=r["created_at"],
        action=r["kind"],
        stamps=r["stamps"],
        reason=r["reason"],
        member=AuditMember(r["member"], r["member.member_number"], r["member.first_name"]),
        store=named("store", "store.name"),
        staff=named("staff", "staff.name"),
        actor_role=r["actor_role"],
        device=r["device"],
        ip=r["ip"],
        reward=named("reward", "reward.title"),
        reverses=r["reverses"],
        voided_by=voided_by,
        voidable=voided_by is None and r["kind"] in VOIDABLE_KINDS and r["stamps"] > 0,
        details=r["details"] if isinstance(r["details"], dict) else {},
    )


async def audit_filters() -> AuditFilters:
    stores = await Store.select(Store.id, Store.name).order_by(Store.name)
    staff = await StaffAccount.select(StaffAccount.id, StaffAccount.name).order_by(StaffAccount.name)
    return AuditFilters(
        [Named(s["id"], s["name"]) for s in stores], [Named(s["id"], s["name"]) for s in staff], list(ACTIONS)
    )
