"""The owner's stores: create, change, list with live figures, and sign out every device of a store."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec

from backend.accounts.sessions import live_staff_sessions, revoke_staff_sessions
from backend.accounts.tables import StaffAccount, WebSession
from backend.club.schemas import SignedOut, StoreAdminOut, StoreDevice, StoreDevices, StoreIn, StoreList, StorePatch
from backend.club.tables import Store
from backend.context import Actor, AppContext
from backend.db import write_transaction
from digital_stampcard import stores as rules
from digital_stampcard.devices import describe_user_agent
from digital_stampcard.errors import DomainError

TIMEZONES = [
    "Europe/Oslo",
    "Europe/Stockholm",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/London",
    "Europe/Berlin",
    "Atlantic/Reykjavik",
    "UTC",
]


def _hours(raw: Any) -> rules.OpeningHours:
    return msgspec.convert(raw or {}, rules.OpeningHours)


async def _get(store_id: int) -> Store:
    store = await Store.objects().output(load_json=True).where(Store.id == store_id).first()
    if store is None:
        raise DomainError("not_found", "No such store.", kind="not_found")
    return store


async def _check_name_free(name: str, store_id: int | None) -> None:
    for row in await Store.select(Store.id, Store.name):
        if row["id"] != store_id and row["name"].casefold() == name.casefold():
            raise DomainError(
                "store_name_taken", "There is already a store with that name.", kind="conflict", field="name"
            )


async def _figures(ctx: AppContext) -> tuple[Counter[int], Counter[int]]:
    staff = await StaffAccount.select(StaffAccount.store).where(
        StaffAccount.disabled_at.is_null(), StaffAccount.store.is_not_null(), StaffAccount.role != "pos"
    )  # role "pos": an API key's service account, not a person
    sessions = await live_staff_sessions(ctx.clock.now())
    return Counter(r["store"] for r in staff), Counter(s for s in sessions.values() if s is not None)


def _out(ctx: AppContext, store: Store, staff: Counter[int], devices: Counter[int]) -> StoreAdminOut:
    hours = _hours(store.opening_hours)
    return StoreAdminOut(
        id=store.id,
        slug=store.slug,
        name=store.name,
        address=store.address,
        timezone=store.timezone,
        opening_hours=hours,
        open_now=rules.is_open(hours, store.timezone, ctx.clock.now()),
        staff_count=staff[store.id],
        devices_signed_in=devices[store.id],
        created_at=store.created_at,
    )


async def list_stores(ctx: AppContext) -> StoreList:
    stores = await Store.objects().output(load_json=True).order_by(Store.name)
    staff, devices = await _figures(ctx)
    return StoreList([_out(ctx, s, staff, devices) for s in stores], TIMEZONES)


async def get_store(ctx: AppContext, store_id: int) -> StoreAdminOut:
    store = await _get(store_id)
    staff, devices = await _figures(ctx)
    return _out(ctx, store, staff, devices)


async def create_store(ctx: AppContext, data: StoreIn) -> StoreAdminOut:
    draft = rules.clean_store(data.name, data.address, data.timezone, data.opening_hours)
    async with write_transaction(ctx.engine):
        await _check_name_free(draft.name, None)
        taken = {r["slug"] for r in await Store.select(Store.slug)}
        rows = await Store.insert(
            Store(
                slug=rules.unique_slug(draft.name, taken),
                name=draft.name,
                address=draft.address,
                timezone=draft.timezone,
                opening_hours=msgspec.to_builtins(draft.opening_hours),
                created_at=ctx.clock.now(),
            )
        ).returning(Store.id)
    return await get_store(ctx, rows[0]["id"])


async def update_store(ctx: AppContext, store_id: int, data: StorePatch) -> StoreAdminOut:
    async with write_transaction(ctx.engine):
        store = await _get(store_id)
        draft = rules.clean_store(
            store.name if data.name is None else data.name,
            store.address if data.address is None else data.address,
            store.timezone if data.timezone is None else data.timezone,
            _hours(store.opening_hours) if data.opening_hours is None else data.opening_hours,
        )
        await _check_name_free(draft.name, store_id)
        await Store.update(
            {
                Store.name: draft.name,
                Store.address: draft.address,
                Store.timezone: draft.timezone,
                Store.opening_hours: msgspec.to_builtins(draft.opening_hours),
            }
        ).where(Store.id == store_id)
    return await get_store(ctx, store_id)


async def sign_out_devices(ctx: AppContext, owner: Actor, store_id: int) -> SignedOut:
    """Ends every live staff session of the store's accounts (the owner's own session stays)."""
    await _get(store_id)
    accounts = await StaffAccount.select(StaffAccount.id).where(StaffAccount.store == store_id)
    ended = await revoke_staff_sessions([r["id"] for r in accounts], ctx.clock.now(), keep_session_id=owner.session_id)
    return SignedOut(ended)


def _live_at_store(store_id: int, now: Any) -> list[Any]:
    return [
        WebSession.kind == "staff",
        WebSession.staff.store == store_id,
        WebSession.revoked_at.is_null(),
        WebSession.expires_at > now,
    ]


async def store_devices(ctx: AppContext, owner: Actor, store_id: int) -> StoreDevices:
    """The store's tills that are signed in now, most recently used first."""
    await _get(store_id)
    rows = (
        await WebSession.select(
            WebSession.id,
            WebSession.user_agent,
            WebSession.ip,
            WebSession.created_at,
            WebSession.last_seen_at,
            WebSession.expires_at,
            WebSession.staff.name.as_alias("staff_name"),
            WebSession.staff.role.as_alias("role"),
        )
        .where(*_live_at_store(store_id, ctx.clock.now()))
        .order_by(WebSession.last_seen_at, ascending=False)
    )
    return StoreDevices(
        [
            StoreDevice(
                session_id=r["id"],
                staff_name=r["staff_name"],
                role=r["role"],
                device=describe_user_agent(r["user_agent"]),
                ip=r["ip"],
                signed_in_at=r["created_at"],
                last_seen_at=r["last_seen_at"],
                expires_at=r["expires_at"],
                this_device=r["id"] == owner.session_id,
            )
            for r in rows
        ]
    )


async def sign_out_device(ctx: AppContext, store_id: int, session_id: int) -> SignedOut:
    """Ends one till's session (a tablet left behind); 404 when it is not a live session of this store."""
    await _get(store_id)
    ended = (
        await WebSession.update({WebSession.revoked_at: ctx.clock.now()})
        .where(WebSession.id == session_id, *_live_at_store(store_id, ctx.clock.now()))
        .returning(WebSession.id)
    )
    if not ended:
        raise DomainError("device_not_found", "That device is not signed in at this store.", kind="not_found")
    return SignedOut(len(ended))
