"""The owner's numbers: the landing figures (`/api/admin/overview`), and the dashboard (`/api/admin/dashboard`):
every figure for a period as JSON, and each chart's table as CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from backend.accounts.deps import owner_only, provide_owner
from backend.campaigns import service as campaigns
from backend.campaigns.schemas import OverviewOut
from backend.context import Actor, AppContext
from backend.dashboard import export, service
from backend.dashboard.schemas import DashboardOut
from backend.web.downloads import CSV, attachment

From = Annotated[str | None, QueryParameter(name="from", description="First day, YYYY-MM-DD (Europe/Oslo)")]
To = Annotated[str | None, QueryParameter(name="to", description="Last day, included; default today")]


class DashboardController(Controller):
    path = "/api/admin/dashboard"
    tags = ["owner"]
    guards = [owner_only]

    @get("/", operation_id="getDashboard")
    async def dashboard(self, ctx: NamedDependency[AppContext], from_: From = None, to: To = None) -> DashboardOut:
        """Members, sign-ups, activity, stamps, rewards, tiers, push, campaigns and win-backs for
        a period of Oslo days (default: the last 30 days; at most 366)."""
        return await service.dashboard(ctx, from_, to)

    @get("/{file:str}", media_type="text/csv; charset=utf-8", operation_id="downloadDashboardTableCsv")
    async def table_csv(
        self,
        ctx: NamedDependency[AppContext],
        file: str,
        from_: From = None,
        to: To = None,
        lang: Literal["nb", "en"] = "nb",
    ) -> Response[bytes]:
        """One chart's table as `<table>.csv`: `summary`, `members`, `signups-store`, `signups-source`, `stamps`,
        `rewards`, `tiers` or `campaigns`. Semicolon-separated, UTF-8 with BOM, decimal comma."""
        table = export.table_name(file)
        data = await service.dashboard(ctx, from_, to)
        body = export.table_csv(table, data, lang)
        return attachment(body.encode("utf-8"), export.filename(table, data), CSV)


class OverviewController(Controller):
    path = "/api/admin/overview"
    tags = ["owner"]
    guards = [owner_only]  # every handler, also those that don't ask for the owner
    dependencies = {"owner": Provide(provide_owner)}

    @get("/", operation_id="getOwnerOverview")
    async def overview(self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor]) -> OverviewOut:
        """The owner's landing: members, how many take pushes and offers, the latest campaign."""
        return await campaigns.overview(ctx, owner)
