"""Staff and owner log in with a password; a store device stays logged in for a shift."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from backend.accounts.passwords import verify_password
from backend.accounts.sessions import start_session
from backend.accounts.tables import StaffAccount
from backend.club.service import StoreOut
from backend.club.tables import Store
from backend.context import AppContext
from backend.ratelimit import enforce
from digital_stampcard.errors import DomainError


class StaffLoginIn(msgspec.Struct):
    username: str
    password: str


class StaffOut(msgspec.Struct):
    name: str
    role: str
    store: StoreOut | None


class StaffMeOut(msgspec.Struct):
    staff: StaffOut


async def login(ctx: AppContext, data: StaffLoginIn, user_agent: str, ip: str) -> tuple[StaffMeOut, str]:
    username = data.username.strip().lower()
    # Per IP, every account together (a store's devices share one), and per account from that IP. Never
    # per account alone: a stranger's wrong passwords would then lock the owner out, again and again;
    # this way they use up only their own IP's tries, and the owner logs in from theirs.
    await enforce(ctx.limiter, f"staff-login:{ip}", ctx.settings.staff_logins_per_ip_per_10_minutes, 600)
    await enforce(
        ctx.limiter, f"staff-login-user:{username}:{ip}", ctx.settings.staff_logins_per_user_per_10_minutes, 600
    )
    account = await StaffAccount.objects().where(StaffAccount.username == username).first()
    # An API key's service account (role "pos") has no password ("" matches none) and never logs in.
    if not await verify_password(account.password_hash if account else None, data.password) or account is None:
        raise DomainError("staff_login_failed", "Wrong username or password.", kind="unauthenticated")
    if account.disabled_at is not None:
        raise DomainError("account_disabled", "This account is disabled. Ask the owner.", kind="forbidden")
    lifetime = timedelta(hours=ctx.settings.staff_session_hours)
    token, _ = await start_session(
        "staff", now=ctx.clock.now(), lifetime=lifetime, staff_id=account.id, user_agent=user_agent, ip=ip
    )
    return await staff_out(account), token


async def staff_out(account: StaffAccount) -> StaffMeOut:
    store = await Store.objects().where(Store.id == account.store).first() if account.store else None
    return StaffMeOut(
        StaffOut(account.name, account.role, StoreOut(store.id, store.slug, store.name) if store else None)
    )
