"""Alerts for unusual activity, computed from the ledger and the scans on each request (aggregates
over indexed time windows; no table of their own). The rules are in digital_stampcard.alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

from backend.accounts.tables import StaffAccount
from backend.audit.schemas import AlertOut, AlertsOut, AuditMember, Named
from backend.cards.programs import active_programs, rules_of
from backend.cards.tables import LedgerEntry, Program, Scan
from backend.club.tables import Store
from backend.members.tables import Member
from backend.messaging.sms import segments_sent_today
from digital_stampcard import alerts as rules
from digital_stampcard import sms as sms_rules
from digital_stampcard.clock import OSLO


async def alerts(
    now: datetime, policy: rules.AlertRules = rules.DEFAULT_RULES, sms_budget: int | None = None
) -> AlertsOut:
    recent, baseline, cap_since = rules.windows(now, policy)
    stores = {s["id"]: s["name"] for s in await Store.select(Store.id, Store.name)}
    staff = {s["id"]: s["name"] for s in await StaffAccount.select(StaffAccount.id, StaffAccount.name)}

    def store_of(store_id: int | None) -> Named | None:
        return Named(store_id, stores.get(store_id, "")) if store_id is not None else None

    def staff_of(staff_id: int | None) -> Named | None:
        return Named(staff_id, staff.get(staff_id, "")) if staff_id is not None else None

    since = recent.isoformat()
    out: list[AlertOut] = []
    for a in await _staff_rates(recent, baseline, policy):
        audit = {"staff": str(a.staff_id), "store": str(a.store_id), "action": "stamp", "since": since}
        out.append(
            AlertOut(
                "staff_rate",
                a.stamps,
                a.usual_per_day,
                None,
                None,
                staff_of(a.staff_id),
                store_of(a.store_id),
                None,
                None,
                audit,
            )
        )
    for m in await _cap_hits(cap_since, policy):
        member = AuditMember(m[0].id, m[0].member_number, m[0].first_name)
        audit = {"member": m[0].member_number, "since": cap_since.isoformat()}
        out.append(AlertOut("daily_cap", m[1].days, None, m[1].days, m[1].last_day, None, None, member, None, audit))
    for session_id, staff_id, store_id, entries in await _manual_entries(recent, policy):
        audit = {"staff": str(staff_id), "since": since}
        out.append(
            AlertOut(
                "manual_entries",
                entries,
                None,
                None,
                None,
                staff_of(staff_id),
                store_of(store_id),
                None,
                session_id,
                audit,
            )
        )
    if sms_budget is not None and (budget := await _sms_budget(now, sms_budget)) is not None:
        out.append(budget)
    return AlertsOut(
        out,
        recent,
        {
            "staff_factor": policy.staff_factor,
            "staff_min_stamps": policy.staff_min_stamps,
            "cap_days": policy.cap_days,
            "cap_window_days": policy.cap_window_days,
            "manual_entries": policy.manual_entries,
            "recent_hours": policy.recent_hours,
        },
    )


async def _sms_budget(now: datetime, budget: int) -> AlertOut | None:
    """Today's SMS at or past the alert share of the daily budget: past it, codes go by e-mail only."""
    used = await segments_sent_today(now)
    if used < sms_rules.BUDGET_ALERT_SHARE * budget:
        return None
    return AlertOut("sms_budget", used, float(budget), None, None, None, None, None, None, {})


async def _staff_rates(recent: datetime, baseline: datetime, policy: rules.AlertRules) -> list[rules.StaffRateAlert]:
    def given(since: datetime, until: datetime | None = None) -> Any:
        query = LedgerEntry.select(
            LedgerEntry.staff, LedgerEntry.store, Sum(LedgerEntry.stamps).as_alias("total")
        ).where(
            (LedgerEntry.kind == "stamp")
            & (LedgerEntry.created_at >= since)
            & LedgerEntry.staff.is_not_null()
            & LedgerEntry.store.is_not_null()
        )
        if until is not None:
            query = query.where(LedgerEntry.created_at < until)
        return query.group_by(LedgerEntry.staff, LedgerEntry.store)

    usage: dict[int, rules.StoreUsage] = {}
    for row in await given(baseline, recent):
        base = usage.get(row["store"], rules.StoreUsage(0, 0))
        usage[row["store"]] = rules.StoreUsage(base.stamps + int(row["total"] or 0), base.staff_accounts + 1)
    latest = [(r["staff"], r["store"], int(r["total"] or 0)) for r in await given(recent)]
    return rules.staff_rate_alerts(latest, usage, policy)


async def _cap_hits(since: datetime, policy: rules.AlertRules) -> list[tuple[Member, rules.CapAlert]]:
    """Per active program: each has its own daily cap (one program per store at a time)."""
    hits: list[tuple[Member, rules.CapAlert]] = []
    for program in await active_programs():
        hits += await _program_cap_hits(program, since, policy)
    return hits


async def _program_cap_hits(
    program: Program, since: datetime, policy: rules.AlertRules
) -> list[tuple[Member, rules.CapAlert]]:
    daily_cap = rules_of(program).daily_cap
    totals = (
        await LedgerEntry.select(LedgerEntry.member, Sum(LedgerEntry.stamps).as_alias("total"))
        .where(
            (LedgerEntry.counts_for_cap == True)  # noqa: E712
            & (LedgerEntry.program == program.id)
            & (LedgerEntry.created_at >= since)
        )
        .group_by(LedgerEntry.member)
    )
    candidates = [r["member"] for r in totals if int(r["total"] or 0) >= rules.cap_candidate_total(daily_cap, policy)]
    if not candidates:
        return []
    rows = await LedgerEntry.select(LedgerEntry.member, LedgerEntry.created_at, LedgerEntry.stamps).where(
        (LedgerEntry.counts_for_cap == True)  # noqa: E712
        & (LedgerEntry.program == program.id)
        & (LedgerEntry.created_at >= since)
        & LedgerEntry.member.is_in(candidates)
    )
    found = rules.cap_alerts(
        ((r["member"], r["created_at"].astimezone(OSLO), r["stamps"]) for r in rows), daily_cap, policy
    )
    if not found:
        return []
    members = {m.id: m for m in await Member.objects().where(Member.id.is_in([a.member_id for a in found]))}
    return [(members[a.member_id], a) for a in found if a.member_id in members]


async def _manual_entries(recent: datetime, policy: rules.AlertRules) -> list[tuple[int, int, int | None, int]]:
    rows = (
        await Scan.select(Scan.session_id, Scan.staff, Scan.store, Count(Scan.id).as_alias("entries"))
        .where((Scan.method == "manual") & (Scan.created_at >= recent))
        .group_by(Scan.session_id, Scan.staff, Scan.store)
    )
    by_session = {r["session_id"]: r for r in rows}
    found = rules.manual_entry_alerts((r["session_id"], int(r["entries"])) for r in rows)
    return [
        (a.session_id, by_session[a.session_id]["staff"], by_session[a.session_id]["store"], a.entries) for a in found
    ]
