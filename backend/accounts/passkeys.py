"""Passkeys (WebAuthn) for members: add one after joining, then log in with it without a code.

The verification itself is py_webauthn's; this module keeps the challenges (single use, short-lived,
bound to a purpose and, for registration, to the member) and the credentials, and refuses a signature
counter that goes backwards: a copied (cloned) authenticator gives itself away that way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any, Literal

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from backend.accounts.otp_login import LoginResult
from backend.accounts.passkey_schemas import PasskeyLoginIn, PasskeyOut
from backend.accounts.sessions import start_session
from backend.accounts.tables import MemberPasskey, PasskeyChallenge
from backend.club.service import get_club
from backend.context import AppContext
from backend.db import UNIQUE_VIOLATIONS, write_transaction
from backend.members.registry import register_device
from backend.members.tables import Member
from backend.ratelimit import enforce
from digital_stampcard import member_qr
from digital_stampcard.devices import describe_user_agent
from digital_stampcard.errors import DomainError
from digital_stampcard.passkeys import BROWSER_TIMEOUT_MS, CHALLENGE_TTL, counter_went_back, relying_party, user_handle

Purpose = Literal["register", "login"]
TEN_MINUTES = 600


def passkey_out(row: MemberPasskey) -> PasskeyOut:
    return PasskeyOut(row.id, row.label, row.created_at, row.last_used_at)


async def list_passkeys(member_id: int) -> list[PasskeyOut]:
    rows = await MemberPasskey.objects().where(MemberPasskey.member == member_id).order_by(MemberPasskey.id)
    return [passkey_out(row) for row in rows]


async def delete_passkey(member_id: int, passkey_id: int) -> None:
    # Another member's passkey is "not found": its existence is none of this member's business.
    deleted = (
        await MemberPasskey.delete()
        .where((MemberPasskey.id == passkey_id) & (MemberPasskey.member == member_id))
        .returning(MemberPasskey.id)
    )
    if not deleted:
        raise DomainError("passkey_not_found", "This passkey does not exist.", kind="not_found")


# --------------------------------------------------------------------------- challenges


def _hash(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


async def _new_challenge(ctx: AppContext, purpose: Purpose, member_id: int | None) -> bytes:
    challenge = secrets.token_bytes(32)
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        # Expired ones are worthless: the table holds only the last few minutes.
        await PasskeyChallenge.delete().where(PasskeyChallenge.expires_at < now)
        await PasskeyChallenge.insert(
            PasskeyChallenge(
                challenge_hash=_hash(challenge),
                purpose=purpose,
                member=member_id,
                created_at=now,
                expires_at=now + CHALLENGE_TTL,
            )
        )
    return challenge


async def _use_challenge(ctx: AppContext, credential: dict[str, Any], purpose: Purpose, member_id: int | None) -> bytes:
    """Claims the challenge the browser signed, once: used, expired, unknown, for another purpose or
    (for registration) another member's, it is refused. Claimed before verification, so a failed
    attempt burns it too."""
    try:
        client_data = parse_client_data_json(base64url_to_bytes(credential["response"]["clientDataJSON"]))
    except (KeyError, TypeError, ValueError, WebAuthnException) as exc:
        raise _invalid() from exc
    now = ctx.clock.now()
    query = PasskeyChallenge.update({PasskeyChallenge.used_at: now}).where(
        (PasskeyChallenge.challenge_hash == _hash(client_data.challenge))
        & (PasskeyChallenge.purpose == purpose)
        & PasskeyChallenge.used_at.is_null()
        & (PasskeyChallenge.expires_at > now)
    )
    if member_id is not None:
        query = query.where(PasskeyChallenge.member == member_id)
    if not await query.returning(PasskeyChallenge.id):
        raise DomainError(
            "passkey_challenge_invalid", "The passkey request has expired or was already used. Try again."
        )
    return client_data.challenge


def _invalid() -> DomainError:
    return DomainError("passkey_invalid", "The passkey could not be verified. Try again, or log in with a code.")


def _options_json(options: Any) -> dict[str, Any]:
    return dict(json.loads(options_to_json(options)))


# --------------------------------------------------------------------------- adding a passkey


async def registration_options(ctx: AppContext, member: Member) -> dict[str, Any]:
    rp_id, _ = relying_party(ctx.settings.public_url)
    club = await get_club()
    existing = await MemberPasskey.select(MemberPasskey.credential_id).where(MemberPasskey.member == member.id)
    challenge = await _new_challenge(ctx, "register", member.id)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=club.name,
        user_id=user_handle(ctx.settings.secret_key, member.id),
        user_name=f"{club.name} {member.member_number}",
        user_display_name=member.first_name or member.member_number,
        challenge=challenge,
        timeout=BROWSER_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        # The phone says "already added" instead of making a second passkey for the same member.
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(row["credential_id"])) for row in existing
        ],
    )
    return _options_json(options)


async def add_passkey(ctx: AppContext, member: Member, credential: dict[str, Any], user_agent: str) -> PasskeyOut:
    rp_id, origin = relying_party(ctx.settings.public_url)
    challenge = await _use_challenge(ctx, credential, "register", member.id)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin
        )
    except (WebAuthnException, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _invalid() from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    transports = credential.get("response", {}).get("transports") or []
    known = {t.value for t in AuthenticatorTransport}
    now = ctx.clock.now()
    exists = DomainError("passkey_exists", "This passkey has already been added.", kind="conflict")
    try:
        async with write_transaction(ctx.engine):
            if await MemberPasskey.exists().where(MemberPasskey.credential_id == credential_id):
                raise exists
            row = MemberPasskey(
                credential_id=credential_id,
                member=member.id,
                public_key=bytes_to_base64url(verified.credential_public_key),
                sign_count=verified.sign_count,
                transports=[t for t in transports if isinstance(t, str) and t in known],
                label=describe_user_agent(user_agent, "Passkey"),
                created_at=now,
            )
            await row.save()
    except UNIQUE_VIOLATIONS as exc:  # the same credential added twice at the same moment
        raise exists from exc
    return passkey_out(row)


# --------------------------------------------------------------------------- logging in


async def login_options(ctx: AppContext, ip: str) -> dict[str, Any]:
    await enforce(ctx.limiter, f"passkey-options:{ip}", ctx.settings.passkey_logins_per_ip_per_10_minutes, TEN_MINUTES)
    rp_id, _ = relying_party(ctx.settings.public_url)
    challenge = await _new_challenge(ctx, "login", None)
    # No allowCredentials: the passkey is discoverable, so the phone offers it without a username.
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=BROWSER_TIMEOUT_MS,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return _options_json(options)


async def login(ctx: AppContext, data: PasskeyLoginIn, user_agent: str, ip: str) -> LoginResult:
    await enforce(ctx.limiter, f"passkey-login:{ip}", ctx.settings.passkey_logins_per_ip_per_10_minutes, TEN_MINUTES)
    member_qr.decode_public_key(data.device_public_key)  # the QR key must be good before anything is used up
    rp_id, origin = relying_party(ctx.settings.public_url)
    credential = data.credential
    challenge = await _use_challenge(ctx, credential, "login", None)
    passkey = await MemberPasskey.objects().where(MemberPasskey.credential_id == str(credential.get("id", ""))).first()
    if passkey is None:
        raise DomainError(
            "passkey_unknown", "This passkey is not registered here (it may have been removed). Log in with a code."
        )
    try:
        # The counter is judged below, after the signature: only the real key can raise a clone warning.
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=0,
        )
        handle = base64url_to_bytes(credential["response"].get("userHandle") or "")
    except (WebAuthnException, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _invalid() from exc
    if handle and not hmac.compare_digest(handle, user_handle(ctx.settings.secret_key, passkey.member)):
        raise _invalid()  # a credential presented as another member's
    if counter_went_back(passkey.sign_count, verified.new_sign_count):
        raise DomainError(
            "passkey_cloned",
            "This passkey's counter went backwards, which can mean it was copied. Log in with a code and "
            "remove the passkey.",
            kind="conflict",
        )
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        # Compare-and-set: of two logins racing with one signature count, only one gets through.
        moved = (
            await MemberPasskey.update(
                {MemberPasskey.sign_count: verified.new_sign_count, MemberPasskey.last_used_at: now}
            )
            .where((MemberPasskey.id == passkey.id) & (MemberPasskey.sign_count == passkey.sign_count))
            .returning(MemberPasskey.id)
        )
        if not moved:
            raise _invalid()
        member = await Member.objects().where(Member.id == passkey.member).first()
        if member is None:
            raise DomainError("passkey_unknown", "This passkey is not registered here. Log in with a code.")
        token, session_id = await start_session(
            "member",
            now=now,
            lifetime=timedelta(days=ctx.settings.member_session_days),
            member_id=member.id,
            user_agent=user_agent,
            ip=ip,
        )
        device_id = await register_device(
            member.id, data.device_public_key, data.device_label or user_agent, session_id, now
        )
    return LoginResult(member, device_id, False, token)
