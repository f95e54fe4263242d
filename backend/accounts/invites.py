"""One-time links by e-mail: issue one (a new person or a reset), show what it is for, and accept it
by choosing a username (new people) and a password; accepting logs the person in on that device."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from backend.accounts.passwords import hash_password_async
from backend.accounts.schemas import AcceptIn, InviteInfo
from backend.accounts.sessions import revoke_staff_sessions, start_session
from backend.accounts.staff_login import StaffMeOut, staff_out
from backend.accounts.tables import StaffAccount, StaffInvite
from backend.club.service import StoreOut, get_club
from backend.club.tables import Store
from backend.context import AppContext
from backend.db import UNIQUE_VIOLATIONS, write_transaction
from backend.messaging.senders import Message
from backend.ratelimit import enforce
from digital_stampcard import staff as rules
from digital_stampcard.errors import DomainError

ROLE_WORDS = {
    "nb": {"staff": "ansatt", "manager": "butikksjef", "owner": "eier"},
    "en": {"staff": "staff", "manager": "manager", "owner": "owner"},
}


async def revoke_open_invites(now: datetime, *, staff_id: int | None = None, email: str | None = None) -> None:
    """Older links stop working when a newer one is sent, the account is disabled or the owner cancels."""
    query = StaffInvite.update({StaffInvite.revoked_at: now}).where(
        StaffInvite.used_at.is_null(), StaffInvite.revoked_at.is_null()
    )
    if staff_id is not None:
        await query.where(StaffInvite.staff == staff_id)
    elif email is not None:
        await query.where(StaffInvite.email == email, StaffInvite.staff.is_null())


async def issue(
    ctx: AppContext,
    *,
    staff_id: int | None,
    name: str,
    email: str,
    role: str,
    store_id: int | None,
    lang: str,
    invited_by: int,
) -> tuple[int, str]:
    """Writes a new link (inside the caller's transaction); returns (invite id, token for the e-mail)."""
    now = ctx.clock.now()
    token, token_hash = rules.new_invite_token(secrets.token_bytes(rules.INVITE_TOKEN_BYTES))
    rows = await StaffInvite.insert(
        StaffInvite(
            token_hash=token_hash,
            staff=staff_id,
            name=name,
            email=email,
            role=role,
            store=store_id,
            lang=lang,
            invited_by=invited_by,
            created_at=now,
            expires_at=rules.invite_expires_at(now),
        )
    ).returning(StaffInvite.id)
    return rows[0]["id"], token


async def send_link(ctx: AppContext, invite_id: int, token: str) -> None:
    invite = await StaffInvite.objects().where(StaffInvite.id == invite_id).first()
    assert invite is not None
    club = await get_club()
    store = await Store.objects().where(Store.id == invite.store).first() if invite.store else None
    link = f"{ctx.settings.public_url.rstrip('/')}/staff/invite/{token}"
    hours = int(rules.INVITE_TTL.total_seconds() // 3600)
    role = ROLE_WORDS["en" if invite.lang == "en" else "nb"][invite.role]
    where = f"{club.name} ({store.name})" if store else club.name
    if invite.lang == "en":
        if invite.staff is None:
            subject = f"You are invited to {club.name}"
            action = f"You now have access to {where} as {role}. Open the link to choose your username and password:"
        else:
            subject = f"New password for {club.name}"
            action = "The owner has reset your password. Open the link to choose a new one:"
        body = (
            f"Hi {invite.name},\n\n{action}\n\n{link}\n\n"
            f"The link works once and for {hours} hours. If you did not expect this e-mail, ignore it."
        )
    else:
        if invite.staff is None:
            subject = f"Du er invitert til {club.name}"
            action = f"Du har fått tilgang til {where} som {role}. Åpne lenken for å velge brukernavn og passord:"
        else:
            subject = f"Nytt passord til {club.name}"
            action = "Eieren har nullstilt passordet ditt. Åpne lenken for å velge et nytt:"
        body = (
            f"Hei {invite.name}!\n\n{action}\n\n{link}\n\n"
            f"Lenken virker én gang og i {hours} timer. Har du ikke ventet denne e-posten, kan du se bort fra den."
        )
    await ctx.sender.send(Message("email", invite.email, subject, body))


async def _usable(ctx: AppContext, token: str, ip: str) -> StaffInvite:
    await enforce(ctx.limiter, f"staff-invite-link:{ip}", 30, 600)
    invite = await StaffInvite.objects().where(StaffInvite.token_hash == rules.hash_invite_token(token)).first()
    if invite is None:
        raise DomainError("invite_unknown", "This link is not valid. Ask the owner for a new one.", kind="not_found")
    rules.check_invite_usable(
        expires_at=invite.expires_at, used_at=invite.used_at, revoked_at=invite.revoked_at, now=ctx.clock.now()
    )
    return invite


async def lookup(ctx: AppContext, token: str, ip: str) -> InviteInfo:
    invite = await _usable(ctx, token, ip)
    club = await get_club()
    store = await Store.objects().where(Store.id == invite.store).first() if invite.store else None
    username = None
    if invite.staff is not None:
        account = await StaffAccount.objects().where(StaffAccount.id == invite.staff).first()
        username = account.username if account else None
    return InviteInfo(
        kind="new" if invite.staff is None else "reset",
        name=invite.name,
        business=club.name,
        role=invite.role,  # type: ignore[arg-type]
        store=StoreOut(store.id, store.slug, store.name) if store else None,
        username=username,
        expires_at=invite.expires_at,
    )


async def accept(ctx: AppContext, token: str, data: AcceptIn, user_agent: str, ip: str) -> tuple[StaffMeOut, str]:
    """Uses the link once: creates the account (or sets the new password) and logs in on this device."""
    invite = await _usable(ctx, token, ip)
    account = None
    if invite.staff is not None:
        account = await StaffAccount.objects().where(StaffAccount.id == invite.staff).first()
        if account is None or account.disabled_at is not None:
            raise DomainError("account_disabled", "This account is disabled. Ask the owner.", kind="forbidden")
        username = account.username
    else:
        username = rules.clean_username(data.username or "")
    rules.check_password(data.password, username)
    password_hash = await hash_password_async(data.password)  # slow on purpose: before the transaction
    now = ctx.clock.now()
    try:
        async with write_transaction(ctx.engine):
            used = (
                await StaffInvite.update({StaffInvite.used_at: now})
                .where(
                    StaffInvite.id == invite.id,
                    StaffInvite.used_at.is_null(),
                    StaffInvite.revoked_at.is_null(),
                    StaffInvite.expires_at > now,
                )
                .returning(StaffInvite.id)
            )
            if not used:
                raise DomainError("invite_used", "This link has already been used. Log in instead.", kind="gone")
            if account is None:
                if await StaffAccount.exists().where(StaffAccount.username == username):
                    raise _taken()
                rows = await StaffAccount.insert(
                    StaffAccount(
                        username=username,
                        name=invite.name,
                        email=invite.email,
                        password_hash=password_hash,
                        role=invite.role,
                        store=invite.store,
                        created_at=now,
                    )
                ).returning(StaffAccount.id)
                staff_id = rows[0]["id"]
            else:
                staff_id = account.id
                await StaffAccount.update({StaffAccount.password_hash: password_hash}).where(
                    StaffAccount.id == staff_id
                )
                await revoke_staff_sessions([staff_id], now)
    except UNIQUE_VIOLATIONS:
        raise _taken() from None  # two people picked the same name at the same moment
    session, _ = await start_session(
        "staff",
        now=now,
        lifetime=timedelta(hours=ctx.settings.staff_session_hours),
        staff_id=staff_id,
        user_agent=user_agent,
        ip=ip,
    )
    fresh = await StaffAccount.objects().where(StaffAccount.id == staff_id).first()
    assert fresh is not None
    return await staff_out(fresh), session


def _taken() -> DomainError:
    return DomainError("username_taken", "That username is taken. Pick another.", kind="conflict", field="username")
