"""A member presented at the till: by rotating QR (full trust) or member number/phone (accrual only)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from backend.cards.tables import Scan
from backend.context import Actor, AppContext
from backend.db import UNIQUE_VIOLATIONS, is_postgres, table_row, write_transaction
from backend.members.locking import locked_by_read
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


_SCAN_COLUMNS = ", ".join(f"s.{c._meta.name} AS scan__{c._meta.name}" for c in Scan._meta.columns)
# A scan belongs to the till session that made it; another device cannot act on it.
_SCAN_AND_MEMBER = (
    f"SELECT m.*, {_SCAN_COLUMNS} FROM scan s JOIN member m ON m.id = s.member "
    "WHERE s.public_id = {} AND s.session_id = {}"
)


async def load_scan(actor: Actor, public_id: str, ctx: AppContext, *, lock: bool = False) -> tuple[Scan, Member]:
    """This till session's scan, still valid, and its member, in one statement. `lock`: the member's
    write lock is taken with the read (`backend.members.locking`), for the caller's transaction."""
    sql = _SCAN_AND_MEMBER + (locked_by_read(ctx.engine, "m") if lock else "")
    rows = await Scan.raw(sql, public_id, actor.session_id)
    if not rows:
        raise DomainError("scan_expired", "Scan the member's card again.", kind="not_found")
    scan = table_row(Scan, rows[0], "scan__")
    if ctx.clock.now() > scan.expires_at:
        raise DomainError("scan_expired", "Scan the member's card again.", kind="gone")
    return scan, table_row(Member, rows[0])


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
    scan = _scan_row(actor, device["member"], "qr", now, code_hash=token.code_hash)
    scan.use_key = f"{token.device_id}:{token.step}"
    try:
        member = await _record_qr_scan(ctx, scan, device["id"], token.step)
    except UNIQUE_VIOLATIONS:
        raise DomainError("qr_replayed", "This QR code has already been used.", kind="conflict") from None
    if member is None:
        raise DomainError("qr_replayed", "This QR code has already been used.", kind="conflict")
    return scan, member


# PostgreSQL: the device's step, the scan and the member's row in one statement (one round trip, no
# BEGIN/COMMIT: a statement is its own transaction). The update is conditional: only one scan can
# move the device's newest step forward, and a scan is written only when it did.
_QR_SCAN_PG = (
    "WITH moved AS (UPDATE member_device SET newest_step = {} WHERE id = {} "
    "AND (newest_step IS NULL OR newest_step < {}) RETURNING member), "
    "made AS (INSERT INTO scan (public_id, member, store, staff, session_id, method, code_hash, use_key, "
    "created_at, expires_at) SELECT {}::varchar, member, {}::integer, {}::integer, {}::bigint, 'qr', {}::varchar, "
    "{}::varchar, {}::timestamptz, {}::timestamptz FROM moved RETURNING id, member) "
    "SELECT made.id AS scan__id, m.* FROM made JOIN member m ON m.id = made.member"
)


async def _record_qr_scan(ctx: AppContext, scan: Scan, device_pk: int, step: int) -> Member | None:
    """Writes the scan if it moves the device's step forward; None when another scan got there first."""
    if is_postgres(ctx.engine):
        rows = await Scan.raw(
            _QR_SCAN_PG,
            *(step, device_pk, step),
            *(scan.public_id, scan.store, scan.staff, scan.session_id, scan.code_hash, scan.use_key),
            *(scan.created_at, scan.expires_at),
        )
        if not rows:
            return None
        scan.id = rows[0]["scan__id"]
        scan._exists_in_db = True
        return table_row(Member, rows[0])
    async with write_transaction(ctx.engine):
        moved = (
            await MemberDevice.update({MemberDevice.newest_step: step})
            .where(
                (MemberDevice.id == device_pk)
                & (MemberDevice.newest_step.is_null() | (MemberDevice.newest_step < step))
            )
            .returning(MemberDevice.id)
        )
        if not moved:
            return None
        await scan.save()
    member = await Member.objects().where(Member.id == scan.member).first()
    if member is None:
        raise DomainError("member_not_found", "This member no longer exists.", kind="not_found")
    return member


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
    scan = _scan_row(actor, member_id, "manual", ctx.clock.now())
    async with write_transaction(ctx.engine):
        await scan.save()
    return scan


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


def _scan_row(actor: Actor, member_id: int, method: str, now: datetime, code_hash: str = "") -> Scan:
    return Scan(
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
