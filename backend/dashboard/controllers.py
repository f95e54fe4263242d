"""The owner's dashboard API: every figure for a period as JSON, and each chart's table as CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from backend.context import AppContext
from backend.dashboard import export, service
from backend.dashboard.schemas import DashboardOut
from backend.web.auth import owner_only
from backend.web.downloads import CSV, attachment

From = Annotated[str | None, QueryParameter(name="from", description="First day, YYYY-MM-DD (Europe/Oslo)")]
To = Annotated[str | None, QueryParameter(name="to", description="Last day, included; default today")]


class DashboardController(Controller):
    path = "/api/admin/dashboard"
    tags = ["owner"]
    guards = [owner_only]

    @get("/")
    async def dashboard(self, ctx: NamedDependency[AppContext], from_: From = None, to: To = None) -> DashboardOut:
        """Members, sign-ups, activity, stamps, rewards, tiers, push, campaigns and win-backs for
        a period of Oslo days (default: the last 30 days; at most 366)."""
        return await service.dashboard(ctx, from_, to)

    @get("/{file:str}", media_type="text/csv; charset=utf-8")
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
