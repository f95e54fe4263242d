"""A member presented at the till: by rotating QR (full trust) or member number/phone (accrual only)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from backend.cards.tables import QrUse, Scan
from backend.context import Actor, AppContext
from backend.db import UNIQUE_VIOLATIONS, write_transaction
from backend.members.tables import Member, MemberDevice
from backend.ratelimit import enforce
from digital_stampcard import member_qr
from digital_stampcard.errors import DomainError
from digital_stampcard.identifiers import MemberNumber, classify_typed


async def present(ctx: AppContext, actor: Actor, code: str, other_readings: Sequence[str] = ()) -> tuple[Scan, Member]:
    """`other_readings`: the same handheld scan read another way (by key instead of key position, or
    by another keyboard layout's positions); the member QR among them is the one whose signature holds."""
    readings = [text.strip().upper() for text in (code, *other_readings)]
    if any(member_qr.looks_like_token(text) for text in readings):
        return await _present_qr(ctx, actor, readings)
    return await present_typed(ctx, actor, code.strip())


async def load_scan_only(actor: Actor, public_id: str, ctx: AppContext) -> Scan:
    """This till session's scan, still valid; the caller reads the member (under its lock)."""
    scan = await Scan.objects().where(Scan.public_id == public_id).first()
    # A scan belongs to the till session that made it; another device cannot act on it.
    if scan is None or scan.session_id != actor.session_id:
        raise DomainError("scan_expired", "Scan the member's card again.", kind="not_found")
    if ctx.clock.now() > scan.expires_at:
        raise DomainError("scan_expired", "Scan the member's card again.", kind="gone")
    return scan


async def load_scan(actor: Actor, public_id: str, ctx: AppContext) -> tuple[Scan, Member]:
    scan = await load_scan_only(actor, public_id, ctx)
    member = await Member.objects().where(Member.id == scan.member).first()
    if member is None:
        raise DomainError("member_not_found", "This member no longer exists.", kind="not_found")
    return scan, member


async def _present_qr(ctx: AppContext, actor: Actor, readings: list[str]) -> tuple[Scan, Member]:
    now = ctx.clock.now()
    tokens = member_qr.parse_readings(readings)
    await enforce(ctx.limiter, f"qr:{actor.session_id}", member_qr.QR_SCANS_PER_MINUTE, 60)
    try:
        return await _new_qr_scan(ctx, actor, tokens, now)
    except DomainError:
        # The same till read the same code twice (a double read, a second tap): the same result,
        # nothing new. Looked up only when the code was refused, so a first read costs no query.
        again = await _rescan(actor, tokens, now)
        if again is None:
            raise
        return again


async def _rescan(actor: Actor, tokens: Sequence[member_qr.MemberToken], now: datetime) -> tuple[Scan, Member] | None:
    again = (
        await Scan.objects()
        .where(
            (Scan.session_id == actor.session_id)
            & Scan.code_hash.is_in([t.code_hash for t in tokens])
            & (Scan.created_at > now - member_qr.RESCAN_WINDOW)
        )
        .first()
    )
    if again is None:
        return None
    member = await Member.objects().where(Member.id == again.member).first()
    return (again, member) if member is not None else None


async def _new_qr_scan(
    ctx: AppContext, actor: Actor, tokens: Sequence[member_qr.MemberToken], now: datetime
) -> tuple[Scan, Member]:
    devices = {
        d["device_id"]: d
        for d in await MemberDevice.select(
            MemberDevice.id,
            MemberDevice.device_id,
            MemberDevice.member,
            MemberDevice.public_key,
            MemberDevice.newest_step,
        ).where(MemberDevice.device_id.is_in([t.device_id for t in tokens]) & MemberDevice.revoked_at.is_null())
    }
    keys = {device_id: member_qr.decode_public_key(d["public_key"]) for device_id, d in devices.items()}
    token = member_qr.first_signed(tokens, keys)
    device = devices[token.device_id]
    member_qr.check_freshness(token, now, device["newest_step"])
    try:
        async with write_transaction(ctx.engine):
            # Conditional update: only one scan can move the device's newest step forward.
            moved = (
                await MemberDevice.update({MemberDevice.newest_step: token.step})
                .where(
                    (MemberDevice.id == device["id"])
                    & (MemberDevice.newest_step.is_null() | (MemberDevice.newest_step < token.step))
                )
                .returning(MemberDevice.id)
            )
            if not moved:
                raise DomainError("qr_replayed", "This QR code has already been used.", kind="conflict")
            scan = await _new_scan(ctx, actor, device["member"], "qr", token.code_hash)
            await QrUse.insert(QrUse(use_key=f"{token.device_id}:{token.step}", scan=scan.id, created_at=now))
    except UNIQUE_VIOLATIONS:
        raise DomainError("qr_replayed", "This QR code has already been used.", kind="conflict") from None
    member = await Member.objects().where(Member.id == device["member"]).first()
    if member is None:
        raise DomainError("member_not_found", "This member no longer exists.", kind="not_found")
    return scan, member


async def present_typed(ctx: AppContext, actor: Actor, text: str) -> tuple[Scan, Member]:
    """A typed member number or phone (a manual entry): see `find_typed`; each one found is a manual
    scan, which the owner's alerts count per session."""
    member = await find_typed(ctx, actor, text)
    return await record_typed(ctx, actor, member.id), member


async def find_typed(ctx: AppContext, actor: Actor, text: str) -> Member:
    """The member typed in, at most so many an hour per till session or API key, found or not (a typed
    number proves nothing, so guessing is kept slow), and a few times an hour per member. The caller
    records the entry with `record_typed` (after locking the member, if it locks it)."""
    await enforce(ctx.limiter, f"manual:{actor.session_id}", ctx.settings.manual_entries_per_device_per_hour, 3600)
    member = await find_member(text)
    await enforce(ctx.limiter, f"manual-member:{member.id}", member_qr.MANUAL_PER_MEMBER_PER_HOUR, 3600)
    return member


async def record_typed(ctx: AppContext, actor: Actor, member_id: int) -> Scan:
    async with write_transaction(ctx.engine):
        return await _new_scan(ctx, actor, member_id, "manual", "")


async def find_member(text: str) -> Member:
    """The member with this member number or phone number (e-mail too); no scan, no limits: callers
    acting on what someone typed go through `present_typed`."""
    typed = classify_typed(text)
    if isinstance(typed, MemberNumber):
        member = await Member.objects().where(Member.member_number == typed.digits).first()
    else:
        column = Member.phone if typed.channel == "sms" else Member.email
        member = await Member.objects().where(column == typed.value).first()
    if member is None or member.left_at is not None:  # one who left is nobody to the till
        raise DomainError("member_not_found", "No member found. Check the number.", kind="not_found")
    return member


async def _new_scan(ctx: AppContext, actor: Actor, member_id: int, method: str, code_hash: str) -> Scan:
    now = ctx.clock.now()
    scan = Scan(
        public_id=secrets.token_urlsafe(16),
        member=member_id,
        store=actor.store_id,
        staff=actor.staff_id,
        session_id=actor.session_id,
        method=method,
        code_hash=code_hash,
        created_at=now,
        expires_at=now + member_qr.SCAN_LIFETIME,
    )
    await scan.save()
    return scan
