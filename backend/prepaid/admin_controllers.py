"""The owner's klippekort: `/api/admin/prepaid` (products, the trail, voids, refunds, the liability)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter, QueryParameter

from backend.accounts.deps import owner_only, provide_owner
from backend.context import Actor, AppContext
from backend.core.idempotency import IdempotencyKey
from backend.prepaid import corrections, liability, products, trail
from backend.prepaid.schemas import (
    CorrectionOut,
    EntryPage,
    OwnerRefundIn,
    PrepaidVoidIn,
    ProductIn,
    ProductList,
    ProductOut,
)
from backend.web.downloads import CSV, attachment
from digital_stampcard import prepaid as rules
from digital_stampcard.clock import OSLO

Month = Annotated[str | None, Parameter(max_length=7, description="The last month, YYYY-MM (Oslo)")]
FromMonth = Annotated[
    str | None, QueryParameter(name="from", max_length=7, description="The first month, YYYY-MM (Oslo)")
]


class PrepaidAdminController(Controller):
    path = "/api/admin/prepaid"
    tags = ["owner"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/products", operation_id="listPrepaidProducts")
    async def list_products(self) -> ProductList:
        """Every klippekort product, ended ones too."""
        return await products.list_products()

    @post("/products", status_code=201, operation_id="createPrepaidProduct")
    async def create_product(self, ctx: NamedDependency[AppContext], data: ProductIn) -> ProductOut:
        """A klippekort for sale at the till: name, units, price in øre, days it is valid after the
        sale, and the stores where it is sold and used (`store_ids` [] is every store)."""
        return await products.create_product(ctx, data)

    @post("/products/{product_id:int}/end", status_code=200, operation_id="endPrepaidProduct")
    async def end_product(self, ctx: NamedDependency[AppContext], product_id: int) -> ProductOut:
        """Stop selling it. Cards already sold keep working until they are used up or expire."""
        return await products.end_product(ctx, product_id)

    @get("/entries", operation_id="listPrepaidEntries")
    async def entries(
        self,
        member: Annotated[str | None, Parameter(max_length=20, description="Member number")] = None,
        before: Annotated[int | None, Parameter(description="Cursor: `next_cursor` of the previous page")] = None,
        limit: Annotated[int, Parameter(ge=1, le=trail.MAX_LIMIT)] = 50,
    ) -> EntryPage:
        """The klippekort trail, newest first: sales, uses, undos, voids and refunds, with who did
        each, where, and what reversed it."""
        return await trail.entries(member, before, limit)

    @post("/voids", status_code=200, responses=None, operation_id="voidPrepaidEntry")
    async def void(
        self,
        ctx: NamedDependency[AppContext],
        owner: NamedDependency[Actor],
        data: PrepaidVoidIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CorrectionOut]:
        """Void a sale (while none of it is used) or a use (the unit comes back), with a reason: a
        new entry, never an edit. Needs an Idempotency-Key; an entry is voided once (409)."""
        return (await corrections.void(ctx, owner, data, idempotency_key)).response()

    @post("/refunds", status_code=200, responses=None, operation_id="refundPrepaidCard")
    async def refund(
        self,
        ctx: NamedDependency[AppContext],
        owner: NamedDependency[Actor],
        data: OwnerRefundIn,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CorrectionOut]:
        """Refund what is left of a card (its unused units, worth the price less what the used ones
        were worth) and close it, with a reason. The money goes back through the shop's own till."""
        return (await corrections.refund(ctx, owner, data, idempotency_key)).response()

    @get("/liability", operation_id="getPrepaidLiability")
    async def liability_json(
        self,
        ctx: NamedDependency[AppContext],
        from_: FromMonth = None,
        to: Month = None,
    ) -> list[rules.LiabilityRow]:
        """Units and øre sold, used, refunded and expired per month and selling store, and what is
        outstanding at each month's end (default: the last twelve months)."""
        now = ctx.clock.now()
        first, last = rules.report_months(from_, to, now.astimezone(OSLO).date())
        return await liability.report(first, last, "nb", now)

    @get("/liability.csv", media_type="text/csv; charset=utf-8", operation_id="downloadPrepaidLiabilityCsv")
    async def liability_csv(
        self,
        ctx: NamedDependency[AppContext],
        from_: FromMonth = None,
        to: Month = None,
        lang: Literal["nb", "en"] = "nb",
    ) -> Response[bytes]:
        """The liability as CSV: semicolon-separated, UTF-8 with BOM, NOK with a decimal comma."""
        now = ctx.clock.now()
        first, last = rules.report_months(from_, to, now.astimezone(OSLO).date())
        body = liability.csv(await liability.report(first, last, lang, now), lang)
        return attachment(body.encode("utf-8"), f"klippekort-gjeld-{first}-{last}.csv", CSV)
