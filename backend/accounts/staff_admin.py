"""The owner's staff accounts: list, invite by e-mail, change role or store, disable, enable, and
reset (a new one-time link; the old password stops working at once and every device is signed out)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec
from piccolo.columns import Column

from backend.accounts import invites
from backend.accounts.schemas import InviteIn, InviteOut, ResetIn, StaffAccountOut, StaffList, StaffPatch
from backend.accounts.sessions import live_staff_sessions, revoke_staff_sessions
from backend.accounts.tables import StaffAccount, StaffInvite, WebSession
from backend.club.service import StoreOut
from backend.club.tables import Store
from backend.context import Actor, AppContext
from backend.db import is_postgres, write_transaction
from backend.ratelimit import enforce
from digital_stampcard import staff as rules
from digital_stampcard.errors import DomainError

INVITES_PER_OWNER_PER_HOUR = 60
SERVICE_ROLE = "pos"  # an API key's service account (integrations.api_keys): not a person, not listed here


async def _stores() -> dict[int, StoreOut]:
    rows = await Store.select(Store.id, Store.slug, Store.name)
    return {r["id"]: StoreOut(r["id"], r["slug"], r["name"]) for r in rows}


async def _account(staff_id: int) -> StaffAccount:
    account = await StaffAccount.objects().where(StaffAccount.id == staff_id).first()
    if account is None or account.role == SERVICE_ROLE:  # a POS key's account is managed with its key
        raise DomainError("not_found", "No such staff account.", kind="not_found")
    return account


async def _store_exists(store_id: int | None) -> None:
    if store_id is not None and not await Store.exists().where(Store.id == store_id):
        raise DomainError("staff_store_unknown", "That store does not exist.", field="store_id")


async def _lock_owners(ctx: AppContext) -> int:
    """Inside a write transaction: the number of active owners, with their rows locked on PostgreSQL
    (SQLite's IMMEDIATE transaction already lets one writer in), so two owners cannot both step down."""
    if is_postgres(ctx.engine):
        await StaffAccount.raw("SELECT id FROM staff_account WHERE role = 'owner' FOR UPDATE")
    return int(await StaffAccount.count().where(StaffAccount.role == "owner", StaffAccount.disabled_at.is_null()))


def _status(account: StaffAccount) -> str:
    if account.disabled_at is not None:
        return "disabled"
    return "active" if account.password_hash else "reset_pending"


def _account_out(account: StaffAccount, stores: dict[int, StoreOut], devices: Counter[int], me: int) -> StaffAccountOut:
    return StaffAccountOut(
        id=account.id,
        username=account.username,
        name=account.name,
        email=account.email,
        role=account.role,  # type: ignore[arg-type]
        store=stores.get(account.store) if account.store else None,
        status=_status(account),  # type: ignore[arg-type]
        devices_signed_in=devices[account.id],
        is_you=account.id == me,
        disabled_at=account.disabled_at,
        created_at=account.created_at,
    )


def _invite_out(invite: StaffInvite, stores: dict[int, StoreOut], ctx: AppContext) -> InviteOut:
    return InviteOut(
        id=invite.id,
        name=invite.name,
        email=invite.email,
        role=invite.role,  # type: ignore[arg-type]
        store=stores.get(invite.store) if invite.store else None,
        kind="new" if invite.staff is None else "reset",
        staff_id=invite.staff,
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        expired=invite.expires_at <= ctx.clock.now(),
    )


async def _devices_per_account(ctx: AppContext) -> Counter[int]:
    live = await live_staff_sessions(ctx.clock.now())
    if not live:
        return Counter()
    rows = await WebSession.select(WebSession.staff).where(WebSession.id.is_in(list(live)))
    return Counter(r["staff"] for r in rows)


async def list_staff(ctx: AppContext, owner: Actor) -> StaffList:
    """Every account (by store, then name) and every link not used yet, newest first."""
    stores = await _stores()
    devices = await _devices_per_account(ctx)
    accounts = await StaffAccount.objects().where(StaffAccount.role != SERVICE_ROLE).order_by(StaffAccount.name)
    accounts.sort(key=lambda a: (a.store is not None, stores[a.store].name if a.store in stores else "", a.name))
    pending = (
        await StaffInvite.objects()
        .where(StaffInvite.used_at.is_null(), StaffInvite.revoked_at.is_null())
        .order_by(StaffInvite.id, ascending=False)
    )
    return StaffList(
        [_account_out(a, stores, devices, owner.staff_id) for a in accounts],
        [_invite_out(i, stores, ctx) for i in pending],
    )


async def get_staff(ctx: AppContext, owner: Actor, staff_id: int) -> StaffAccountOut:
    account = await _account(staff_id)
    return _account_out(account, await _stores(), await _devices_per_account(ctx), owner.staff_id)


async def invite(ctx: AppContext, owner: Actor, data: InviteIn) -> InviteOut:
    """A new person gets a one-time link by e-mail. A second open invite to the same address is refused."""
    name, email = rules.clean_name(data.name), rules.clean_email(data.email)
    rules.check_role_store(data.role, data.store_id)
    await _store_exists(data.store_id)
    await enforce(ctx.limiter, f"staff-invites:{owner.staff_id}", INVITES_PER_OWNER_PER_HOUR, 3600)
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        if await StaffAccount.exists().where(StaffAccount.email == email, StaffAccount.disabled_at.is_null()):
            raise DomainError(
                "staff_email_taken", "Someone on the staff already has this address.", kind="conflict", field="email"
            )
        open_invite = (
            await StaffInvite.objects()
            .where(
                StaffInvite.email == email,
                StaffInvite.staff.is_null(),
                StaffInvite.used_at.is_null(),
                StaffInvite.revoked_at.is_null(),
                StaffInvite.expires_at > now,
            )
            .first()
        )
        if open_invite is not None:
            raise DomainError(
                "invite_pending",
                "This address already has an invite waiting. Send it again from the list.",
                kind="conflict",
                field="email",
                invite_id=open_invite.id,
            )
        await invites.revoke_open_invites(now, email=email)  # expired ones
        invite_id, token = await invites.issue(
            ctx,
            staff_id=None,
            name=name,
            email=email,
            role=data.role,
            store_id=data.store_id,
            lang=data.lang,
            invited_by=owner.staff_id,
        )
    await invites.send_link(ctx, invite_id, token)
    return await _invite(ctx, invite_id)


async def _invite(ctx: AppContext, invite_id: int) -> InviteOut:
    row = await StaffInvite.objects().where(StaffInvite.id == invite_id).first()
    if row is None:
        raise DomainError("not_found", "No such invite.", kind="not_found")
    return _invite_out(row, await _stores(), ctx)


async def resend_invite(ctx: AppContext, owner: Actor, invite_id: int) -> InviteOut:
    """A fresh link (72 hours from now) to the same address; the earlier link stops working."""
    await enforce(ctx.limiter, f"staff-invites:{owner.staff_id}", INVITES_PER_OWNER_PER_HOUR, 3600)
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        old = await StaffInvite.objects().where(StaffInvite.id == invite_id).first()
        if old is None or old.used_at is not None or old.revoked_at is not None:
            raise DomainError("invite_closed", "This invite is used or cancelled.", kind="conflict")
        await StaffInvite.update({StaffInvite.revoked_at: now}).where(StaffInvite.id == invite_id)
        new_id, token = await invites.issue(
            ctx,
            staff_id=old.staff,
            name=old.name,
            email=old.email,
            role=old.role,
            store_id=old.store,
            lang=old.lang,
            invited_by=owner.staff_id,
        )
    await invites.send_link(ctx, new_id, token)
    return await _invite(ctx, new_id)


async def cancel_invite(ctx: AppContext, invite_id: int) -> None:
    """The link stops working. (A cancelled reset leaves the account without a password.)"""
    row = await StaffInvite.objects().where(StaffInvite.id == invite_id).first()
    if row is None:
        raise DomainError("not_found", "No such invite.", kind="not_found")
    if row.used_at is None and row.revoked_at is None:
        await StaffInvite.update({StaffInvite.revoked_at: ctx.clock.now()}).where(StaffInvite.id == invite_id)


async def update_staff(ctx: AppContext, owner: Actor, staff_id: int, data: StaffPatch) -> StaffAccountOut:
    """Name, e-mail, role and store. The last active owner stays owner."""
    async with write_transaction(ctx.engine):
        owners = await _lock_owners(ctx)
        account = await _account(staff_id)
        role = data.role or account.role
        store_id = account.store if data.store_id is msgspec.UNSET else data.store_id
        rules.check_role_store(role, store_id)
        await _store_exists(store_id)
        rules.check_keeps_an_owner(
            target_is_active_owner=account.role == "owner" and account.disabled_at is None,
            active_owners=owners,
            loses_owner=role != "owner",
        )
        changes: dict[Column | str, Any] = {StaffAccount.role: role, StaffAccount.store: store_id}
        if data.name is not None:
            changes[StaffAccount.name] = rules.clean_name(data.name)
        if data.email is not None:
            changes[StaffAccount.email] = rules.clean_email(data.email) if data.email.strip() else None
        await StaffAccount.update(changes).where(StaffAccount.id == staff_id)
    return await get_staff(ctx, owner, staff_id)


async def disable(ctx: AppContext, owner: Actor, staff_id: int) -> StaffAccountOut:
    """Can't log in any more, signed out on every device now, and open links stop working."""
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        owners = await _lock_owners(ctx)
        account = await _account(staff_id)
        rules.check_keeps_an_owner(
            target_is_active_owner=account.role == "owner" and account.disabled_at is None,
            active_owners=owners,
            loses_owner=True,
        )
        if account.disabled_at is None:
            await StaffAccount.update({StaffAccount.disabled_at: now}).where(StaffAccount.id == staff_id)
        await revoke_staff_sessions([staff_id], now)
        await invites.revoke_open_invites(now, staff_id=staff_id)
    return await get_staff(ctx, owner, staff_id)


async def enable(ctx: AppContext, owner: Actor, staff_id: int) -> StaffAccountOut:
    await _account(staff_id)
    await StaffAccount.update({StaffAccount.disabled_at: None}).where(StaffAccount.id == staff_id)
    return await get_staff(ctx, owner, staff_id)


async def reset(ctx: AppContext, owner: Actor, staff_id: int, data: ResetIn) -> InviteOut:
    """The old password stops working, every device is signed out, and a one-time link to choose a
    new password goes by e-mail. The owner never sees a password."""
    if staff_id == owner.staff_id:
        raise DomainError("reset_self", "You cannot reset your own account here.", kind="conflict")
    await enforce(ctx.limiter, f"staff-invites:{owner.staff_id}", INVITES_PER_OWNER_PER_HOUR, 3600)
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        account = await _account(staff_id)
        if account.disabled_at is not None:
            raise DomainError("staff_disabled", "The account is disabled. Turn it on first.", kind="conflict")
        raw_email = data.email if data.email and data.email.strip() else account.email
        if not raw_email:
            raise DomainError("staff_email_missing", "Write the e-mail address the link goes to.", field="email")
        email = rules.clean_email(raw_email)
        await StaffAccount.update({StaffAccount.password_hash: "", StaffAccount.email: email}).where(
            StaffAccount.id == staff_id
        )
        await revoke_staff_sessions([staff_id], now)
        await invites.revoke_open_invites(now, staff_id=staff_id)
        invite_id, token = await invites.issue(
            ctx,
            staff_id=staff_id,
            name=account.name,
            email=email,
            role=account.role,
            store_id=account.store,
            lang=data.lang,
            invited_by=owner.staff_id,
        )
    await invites.send_link(ctx, invite_id, token)
    return await _invite(ctx, invite_id)
