"""The owner's audit trail, voids and alerts: `/api/admin/audit`, `/api/admin/voids`, `/api/admin/alerts`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter

from backend.accounts.deps import owner_only, provide_owner
from backend.audit import alerts, export, trail
from backend.audit.schemas import AlertsOut, AuditFilters, AuditPage
from backend.cards import voids
from backend.cards.void_schemas import VoidIn, VoidOut
from backend.context import Actor, AppContext
from backend.core.idempotency import IdempotencyKey
from backend.web.downloads import CSV, attachment
from digital_stampcard.clock import OSLO


async def audit_query(
    store: int | None = None,
    staff: int | None = None,
    member: Annotated[str | None, Parameter(max_length=20, description="Member number")] = None,
    action: Annotated[
        str | None,
        Parameter(description="stamp, bonus, reward_issued, reward_redeemed, undo, void or reward_revoked"),
    ] = None,
    since: Annotated[datetime | None, Parameter(description="From this instant (inclusive)")] = None,
    until: Annotated[datetime | None, Parameter(description="Before this instant")] = None,
    before: Annotated[int | None, Parameter(description="Cursor: `next_cursor` of the previous page")] = None,
    limit: Annotated[int, Parameter(ge=1, le=trail.MAX_LIMIT)] = 50,
) -> trail.AuditQuery:
    """The audit filters, shared by the screen's pages and the CSV export."""
    return trail.AuditQuery(
        store=store, staff=staff, member=member, action=action, since=since, until=until, before=before, limit=limit
    )


class AuditController(Controller):
    path = "/api/admin"
    tags = ["owner"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner), "filters": Provide(audit_query)}

    @get("/audit", operation_id="listAuditTrail")
    async def audit(self, filters: NamedDependency[trail.AuditQuery]) -> AuditPage:
        """The ledger, newest first, filtered by store, staff account, member number, action and time.
        Every row says who did it, where, from which device, and whether it was voided."""
        return await trail.audit_page(filters)

    @get("/audit.csv", media_type="text/csv; charset=utf-8", operation_id="downloadAuditTrailCsv")
    async def audit_csv(
        self,
        ctx: NamedDependency[AppContext],
        filters: NamedDependency[trail.AuditQuery],
        lang: Literal["nb", "en"] = "nb",
    ) -> Response[bytes]:
        """The filtered audit trail as CSV, every page of it (up to 100,000 rows, newest first):
        semicolon-separated, UTF-8 with BOM, times in Oslo local time."""
        body = await export.audit_csv(filters, lang)
        day = ctx.clock.now().astimezone(OSLO).date().isoformat()
        return attachment(body.encode("utf-8"), f"stampcard-audit-{day}.csv", CSV)

    @get("/audit/filters", operation_id="getAuditFilters")
    async def audit_filters(self) -> AuditFilters:
        """The stores, staff accounts and actions the audit filters offer."""
        return await trail.audit_filters()

    @post("/voids", status_code=200, responses=None, operation_id="voidLedgerEntry")
    async def void(
        self,
        ctx: NamedDependency[AppContext],
        owner: NamedDependency[Actor],
        data: VoidIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[VoidOut]:
        """Void a stamp (or bonus) with a reason: a new ledger entry, never an edit. The stamps come off
        the member's open card first; a card they completed whose reward is unredeemed loses that
        reward (revoked, with the reason shown to the member); a redeemed reward stays and the void
        records the stamps it could not take back. Needs an Idempotency-Key; an entry is voided once
        (409 `already_voided`)."""
        stored = await voids.void_entry(ctx, owner, data, idempotency_key)
        return stored.response()

    @get("/alerts", operation_id="listAlerts")
    async def alerts(self, ctx: NamedDependency[AppContext]) -> AlertsOut:
        """Unusual activity: a staff account giving far more stamps than its store's usual rate, members
        hitting the daily cap on many days, many manual member-number entries from one till session, and
        today's SMS at 80 % of the daily budget (`usual` is the budget, `count` the segments sent)."""
        return await alerts.alerts(ctx.clock.now(), sms_budget=ctx.settings.sms_daily_segment_budget)
