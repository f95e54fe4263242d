"""The owner's klippekort products: list, create and end. A product's terms are copied onto each card
sold, so ending or later products never change a card a member already holds."""

from __future__ import annotations

from datetime import datetime

from backend.club.tables import Store
from backend.context import AppContext
from backend.db import write_transaction
from backend.prepaid.schemas import ProductIn, ProductList, ProductOut
from backend.prepaid.tables import PrepaidProduct
from digital_stampcard import prepaid as rules
from digital_stampcard.errors import DomainError


def product_out(p: PrepaidProduct) -> ProductOut:
    return ProductOut(
        id=p.id,
        name=p.name,
        units=p.units,
        price_ore=p.price_ore,
        valid_days=p.valid_days,
        store_ids=[int(s) for s in p.store_ids or []],
        active=p.active,
        created_at=p.created_at,
        ended_at=p.ended_at,
    )


async def list_products() -> ProductList:
    rows = await PrepaidProduct.objects().output(load_json=True).order_by(PrepaidProduct.id)
    return ProductList([product_out(p) for p in rows])


async def on_sale_in(store_id: int | None) -> list[ProductOut]:
    rows = (
        await PrepaidProduct.objects()
        .output(load_json=True)
        .where(PrepaidProduct.active == True)  # noqa: E712
        .order_by(PrepaidProduct.id)
    )
    return [product_out(p) for p in rows if rules.works_in(p.store_ids or [], store_id)]


async def get_product(product_id: int) -> PrepaidProduct:
    product = await PrepaidProduct.objects().output(load_json=True).where(PrepaidProduct.id == product_id).first()
    if product is None:
        raise DomainError("not_found", "There is no such klippekort.", kind="not_found")
    return product


async def _check_stores(store_ids: list[int]) -> list[int]:
    wanted = sorted(set(store_ids))
    if wanted:
        found = {r["id"] for r in await Store.select(Store.id).where(Store.id.is_in(wanted))}
        if set(wanted) - found:
            raise DomainError(
                "validation_error",
                "One of the stores does not exist.",
                errors=[{"field": "store_ids", "message": "unknown store"}],
            )
    return wanted


async def create_product(ctx: AppContext, body: ProductIn) -> ProductOut:
    name = " ".join(body.name.split())
    if not name:
        raise DomainError(
            "validation_error", "Give the klippekort a name.", errors=[{"field": "name", "message": "required"}]
        )
    async with write_transaction(ctx.engine):
        stores = await _check_stores(body.store_ids)
        [row] = await PrepaidProduct.insert(
            PrepaidProduct(
                name=name,
                units=body.units,
                price_ore=body.price_ore,
                valid_days=body.valid_days,
                store_ids=stores,
                active=True,
                created_at=ctx.clock.now(),
            )
        ).returning(PrepaidProduct.id)
        return product_out(await get_product(row["id"]))


async def end_product(ctx: AppContext, product_id: int) -> ProductOut:
    """Stops selling it; the cards already sold keep working until they run out."""
    async with write_transaction(ctx.engine):
        product = await get_product(product_id)
        if product.active:
            now: datetime = ctx.clock.now()
            await PrepaidProduct.update({PrepaidProduct.active: False, PrepaidProduct.ended_at: now}).where(
                PrepaidProduct.id == product_id
            )
        return product_out(await get_product(product_id))
