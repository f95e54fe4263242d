"""Changing the member's phone number or e-mail: a code goes to the NEW address, and entering it there
switches the address. The same code rules as login (10 minutes, 5 attempts, hashed, send limits). A
member has one address, phone or e-mail, so switching from one kind to the other replaces it."""

from __future__ import annotations

from typing import Annotated

import msgspec
from piccolo.custom_types import Combinable

from backend.accounts import codes
from backend.accounts.otp_login import challenge_row, enforce_send_limits, new_code, send_code
from backend.accounts.tables import OtpChallenge
from backend.context import AppContext
from backend.db import UNIQUE_VIOLATIONS, write_transaction
from backend.me.leaving import forget_addresses
from backend.members.locking import lock_member
from backend.members.schemas import Lang, OtpStartOut
from backend.members.tables import Member
from digital_stampcard.errors import DomainError
from digital_stampcard.identifiers import Identifier, parse_identifier


class ContactStartIn(msgspec.Struct, forbid_unknown_fields=True):
    identifier: Annotated[str, msgspec.Meta(max_length=254)]
    lang: Lang = "nb"


class ContactVerifyIn(msgspec.Struct, forbid_unknown_fields=True):
    identifier: Annotated[str, msgspec.Meta(max_length=254)]
    code: Annotated[str, msgspec.Meta(max_length=12)]


def _unavailable() -> DomainError:
    # The same words whether another member has it or not: the answer must not tell who is a member.
    return DomainError(
        "identifier_unavailable", "This number or e-mail cannot be used.", kind="conflict", field="identifier"
    )


async def start(ctx: AppContext, member: Member, data: ContactStartIn, ip: str) -> OtpStartOut:
    identifier = parse_identifier(data.identifier)
    if identifier.value in (member.phone, member.email):
        raise DomainError("same_identifier", "This is already your number or e-mail.", field="identifier")
    await enforce_send_limits(ctx, identifier.value, ip)
    now = ctx.clock.now()
    code = new_code()
    async with write_transaction(ctx.engine):
        # Only the newest change code counts: the member's older unused ones are closed.
        await OtpChallenge.update({OtpChallenge.used_at: now}).where(
            (OtpChallenge.member == member.id) & (OtpChallenge.purpose == "change") & OtpChallenge.used_at.is_null()
        )
        await OtpChallenge.insert(
            challenge_row(ctx, identifier, code, now, ip, data.lang, purpose="change", member=member.id)
        )
    # Sent whether or not the address is someone else's: that is only told once the code proves it is theirs.
    return await send_code(ctx, identifier, code, data.lang)


async def verify(ctx: AppContext, member_id: int, data: ContactVerifyIn) -> Member:
    """Switches the member's address to the one the code was sent to; returns the member as now."""
    identifier = parse_identifier(data.identifier)
    now = ctx.clock.now()
    scope = _change_codes(identifier.value, member_id)
    challenge = await codes.check(ctx.settings.secret_key, scope, identifier.value, data.code, now)
    try:
        async with write_transaction(ctx.engine):
            member: Member | None = await lock_member(ctx.engine, member_id)
            if member is None or member.left_at is not None:
                raise DomainError("not_authenticated", "Log in to continue.", kind="unauthenticated")
            await codes.consume(scope, challenge.id, now)
            if await _taken(identifier, member_id):
                raise _unavailable()
            await Member.update(_address(identifier)).where(Member.id == member_id)
            await forget_addresses([a for a in (member.phone, member.email) if a and a != identifier.value])
    except UNIQUE_VIOLATIONS:  # taken by a join in the same moment
        raise _unavailable() from None
    changed = await Member.objects().output(load_json=True).where(Member.id == member_id).first()
    assert changed is not None
    return changed


def _change_codes(identifier_value: str, member_id: int) -> Combinable:
    """The member's own change codes to this address: nobody else's code can change their address."""
    return (
        (OtpChallenge.identifier == identifier_value)
        & (OtpChallenge.purpose == "change")
        & (OtpChallenge.member == member_id)
    )


async def _taken(identifier: Identifier, member_id: int) -> bool:
    column = Member.phone if identifier.channel == "sms" else Member.email
    return await Member.exists().where((column == identifier.value) & (Member.id != member_id))


def _address(identifier: Identifier) -> dict[object, str | None]:
    """One address per member: the new one, and the other kind cleared. A bounce marked the old e-mail
    address undeliverable; whatever replaces it starts unmarked."""
    if identifier.channel == "sms":
        return {Member.phone: identifier.value, Member.email: None, Member.email_undeliverable_at: None}
    return {Member.email: identifier.value, Member.phone: None, Member.email_undeliverable_at: None}
