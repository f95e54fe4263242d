"""Join and log in with a one-time code: the same flow for a new member and a returning one."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.custom_types import Combinable

from backend import metrics
from backend.accounts import codes
from backend.accounts.sessions import start_session
from backend.accounts.tables import OtpChallenge
from backend.club.service import get_club, store_by_slug
from backend.context import AppContext
from backend.db import write_transaction
from backend.members import referrals
from backend.members.registry import create_member, find_member, record_consents, register_device
from backend.members.schemas import MarketingChoice, OtpStartIn, OtpStartOut, OtpVerifyIn
from backend.members.tables import Member
from backend.messaging.senders import otp_message
from backend.ratelimit import enforce
from digital_stampcard import member_qr, otp
from digital_stampcard.errors import DomainError
from digital_stampcard.identifiers import Identifier, parse_identifier

log = logging.getLogger(__name__)
HOUR = 3600
DAY = 86_400


class LoginResult(msgspec.Struct):
    member: Member
    device_id: str
    new_member: bool
    session_token: str
    referral: str | None = None  # a join through a link: "recorded", or why it does not count


async def start(ctx: AppContext, data: OtpStartIn, ip: str) -> OtpStartOut:
    identifier = parse_identifier(data.identifier)
    if data.purpose == "join" and not data.terms_accepted:
        raise DomainError("terms_required", "Accept the club terms to join.")
    await enforce_send_limits(ctx, identifier.value, ip)
    now = ctx.clock.now()
    code = new_code()
    async with write_transaction(ctx.engine):
        # Earlier codes stay live (up to otp.LIVE_CODES): anyone may ask for a code to this address,
        # and that must not cancel the one its owner is typing.
        await codes.add(
            challenge_row(
                ctx,
                identifier,
                code,
                now,
                ip,
                data.lang,
                purpose=data.purpose,
                terms_accepted=data.terms_accepted,
                marketing=msgspec.to_builtins(data.marketing),
                store_slug=data.store,
                signup_source=(data.via if data.store else "direct"),
                referral_code=data.ref,
            ),
            login_codes(identifier.value),
            now,
        )
    # Sent whether or not a member exists: the answer must not reveal who is a member.
    return await send_code(ctx, identifier, code, data.lang)


def login_codes(identifier_value: str) -> Combinable:
    """The join and login codes to one address, whoever asked for them (a change code is the asking member's)."""
    return (OtpChallenge.identifier == identifier_value) & (OtpChallenge.purpose != "change")


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def challenge_row(
    ctx: AppContext, identifier: Identifier, code: str, now: datetime, ip: str, lang: str, **purpose: Any
) -> OtpChallenge:
    """A one-time code's row, as every purpose stores it: only the code's keyed hash, 10 minutes."""
    return OtpChallenge(
        identifier=identifier.value,
        channel=identifier.channel,
        code_hash=otp.hash_code(ctx.settings.secret_key, identifier.value, code),
        lang=lang,
        ip=ip,
        created_at=now,
        expires_at=now + otp.CODE_TTL,
        **purpose,
    )


async def enforce_send_limits(ctx: AppContext, identifier_value: str, ip: str) -> None:
    """The send limits of every code (login, join, a new phone or e-mail): per IP, per address, per day."""
    s = ctx.settings
    await enforce(ctx.limiter, f"otp-ip:{ip}", s.otp_sends_per_ip_per_hour, HOUR)
    await enforce(ctx.limiter, f"otp-id:{identifier_value}", s.otp_sends_per_identifier_per_hour, HOUR)
    await enforce(ctx.limiter, "otp-budget", s.otp_daily_budget, DAY)


async def send_code(ctx: AppContext, identifier: Identifier, code: str, lang: str) -> OtpStartOut:
    club = await get_club()
    try:
        await ctx.sender.send(otp_message(identifier.channel, identifier.value, code, club.name, lang))
    except DomainError:
        raise
    except Exception as exc:  # SMTP down, gateway refused: say so, don't pretend nothing happened
        # The error's type only: a transport's message can quote the address it refused.
        log.warning("could not send a one-time code by %s: %s", identifier.channel, type(exc).__name__)
        raise DomainError(
            "send_failed", "We could not send the code just now. Try again in a minute.", kind="unavailable"
        ) from exc
    metrics.CODES_SENT.labels(identifier.channel).inc()
    return OtpStartOut(
        identifier.channel, identifier.masked(), int(otp.CODE_TTL.total_seconds()), otp.RESEND_AFTER_SECONDS
    )


async def verify(
    ctx: AppContext, data: OtpVerifyIn, user_agent: str, ip: str, caller_member_id: int | None = None
) -> LoginResult:
    """`caller_member_id`: the member whose session cookie the browser sends, if any (a referrer
    cannot refer themselves from their own signed-in browser)."""
    identifier = parse_identifier(data.identifier)
    member_qr.decode_public_key(data.device_public_key)
    now = ctx.clock.now()
    scope = login_codes(identifier.value)
    challenge = await codes.check(ctx.settings.secret_key, scope, identifier.value, data.code, now)
    member = await find_member(identifier)
    terms = bool(challenge.terms_accepted or data.terms_accepted)
    if member is None and not terms:
        raise DomainError("terms_required", "Accept the club terms to join.", kind="conflict")
    store = await store_by_slug(data.store or challenge.store_slug)
    marketing = data.marketing or msgspec.convert(challenge.marketing or {}, MarketingChoice)
    async with write_transaction(ctx.engine):
        await codes.consume(scope, challenge.id, now)  # this code, and the other live ones with it
        new_member = member is None
        referral = None  # an existing member logging in through a link is no referral
        if member is None:
            referral = await referrals.check_join(
                challenge.referral_code, identifier, data.device_public_key, caller_member_id
            )
            member = await create_member(
                identifier,
                source_store_id=store.id if store else None,
                signup_source="referral" if referral.referrer_id else (challenge.signup_source if store else "direct"),
                referred_by=referral.referrer_id,
                lang=challenge.lang,
                now=now,
            )
            await referrals.record(referral, member.id, now)
        source = (
            f"{challenge.signup_source}:{store.slug}"
            if store and new_member
            else ("join_form" if new_member else "login_form")
        )
        await record_consents(member.id, terms=terms, marketing=marketing, source=source, now=now)
        lifetime = timedelta(days=ctx.settings.member_session_days)
        token, session_id = await start_session(
            "member", now=now, lifetime=lifetime, member_id=member.id, user_agent=user_agent, ip=ip
        )
        device_id = await register_device(
            member.id, data.device_public_key, data.device_label or user_agent, session_id, now
        )
    return LoginResult(member, device_id, new_member, token, referrals.outcome(referral))
