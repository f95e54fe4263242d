"""The business's settings and stores, as the app reads them."""

from __future__ import annotations

import msgspec

from backend import config_cache
from backend.club.tables import Club, Store
from digital_stampcard.errors import DomainError


class StoreOut(msgspec.Struct):
    id: int
    slug: str
    name: str


class InterestOut(msgspec.Struct):
    code: str
    label_nb: str
    label_en: str


class BusinessOut(msgspec.Struct):
    name: str


class ConfigOut(msgspec.Struct):
    business: BusinessOut
    stores: list[StoreOut]
    interests: list[InterestOut]
    terms_version: str
    terms_url: str | None
    qr_step_seconds: int
    environment: str


async def cached_club() -> Club:
    """The club row for hot paths (a visit's bonuses, the member's home): cached while the
    configuration generation holds (backend/config_cache.py), so read-only. Owner screens that
    edit it use `get_club`."""
    return await config_cache.cached("club", get_club)


async def get_club() -> Club:
    club = await Club.objects().output(load_json=True).order_by(Club.id).first()
    if club is None:
        raise DomainError(
            "not_found", "The club is not set up yet. Run `stampcard demo` or `stampcard init`.", kind="not_found"
        )
    return club


async def list_stores() -> list[StoreOut]:
    rows = await Store.select(Store.id, Store.slug, Store.name).order_by(Store.id)
    return [StoreOut(r["id"], r["slug"], r["name"]) for r in rows]


async def store_by_slug(slug: str | None) -> Store | None:
    if not slug:
        return None
    return await Store.objects().where(Store.slug == slug).first()


def interest_codes(club: Club) -> list[str]:
    return [i["code"] for i in club.interests]
