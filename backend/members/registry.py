"""Creating members, recording consents and registering device keys."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from backend import outbox
from backend.cards.programs import tier_ladder
from backend.club.consent_texts import current_versions
from backend.members.consent_ledger import already_so
from backend.members.schemas import MarketingChoice
from backend.members.tables import ConsentEvent, Member, MemberDevice
from digital_stampcard import member_qr
from digital_stampcard.effects import Webhook
from digital_stampcard.identifiers import Identifier
from digital_stampcard.member_number import make_member_number
from digital_stampcard.tiers import WINDOW_DAYS

MARKETING_PURPOSES = {"email": "marketing_email", "sms": "marketing_sms", "push": "marketing_push"}


async def find_member(identifier: Identifier) -> Member | None:
    column = Member.phone if identifier.channel == "sms" else Member.email
    return await Member.objects().where(column == identifier.value).first()


async def create_member(
    identifier: Identifier,
    *,
    source_store_id: int | None,
    lang: str,
    now: datetime,
    signup_source: str = "direct",
    referred_by: int | None = None,
) -> Member:
    for _ in range(20):  # a number collision is rare; pick another
        number = make_member_number(10_000_000 + secrets.randbelow(90_000_000))
        if not await Member.exists().where(Member.member_number == number):
            break
    member = Member(
        member_number=number,
        phone=identifier.value if identifier.channel == "sms" else None,
        email=identifier.value if identifier.channel == "email" else None,
        source_store=source_store_id,
        signup_source=signup_source,
        referred_by=referred_by,
        lang=lang,
        tier_code=(await tier_ladder())[0].code,  # the lowest tier, whatever the owner has named it
        tier_review_at=now + timedelta(days=WINDOW_DAYS),  # the yearly review, whatever the counting window
        joined_at=now,
        interests=[],
    )
    await member.save()
    joined = {"source_store_id": source_store_id, "source": signup_source, "joined_at": now.isoformat()}
    await outbox.write_one(Webhook("member.joined", member.id, joined), now)
    return member


async def current_consents(member_id: int) -> dict[str, bool]:
    rows = (
        await ConsentEvent.select(ConsentEvent.purpose, ConsentEvent.granted)
        .where(ConsentEvent.member == member_id)
        .order_by(ConsentEvent.id)
    )
    state: dict[str, bool] = {}
    for row in rows:
        state[row["purpose"]] = row["granted"]
    return state


async def record_consents(
    member_id: int,
    *,
    terms: bool,
    marketing: MarketingChoice | None,
    source: str,
    now: datetime,
) -> None:
    """Writes only what changes: ticking a box a member already gave is not a new event, and an
    unticked box at login never withdraws an earlier consent (withdrawing is done on Min side).
    Each purpose is recorded with its own current text version."""
    wanted: dict[str, bool] = {}
    if terms:
        wanted["terms"] = True
    if marketing is not None:
        for channel, purpose in MARKETING_PURPOSES.items():
            if getattr(marketing, channel):
                wanted[purpose] = True
    versions = await current_versions()
    events = [
        ConsentEvent(
            member=member_id,
            purpose=purpose,
            granted=granted,
            text_version=versions.get(purpose, ""),
            source=source,
            created_at=now,
        )
        for purpose, granted in wanted.items()
        if not await already_so(member_id, purpose, granted)
    ]
    if events:
        await ConsentEvent.insert(*events)


async def register_device(member_id: int, public_key: str, label: str, session_id: int | None, now: datetime) -> str:
    member_qr.decode_public_key(public_key)  # refuses anything that is not a P-256 point
    if session_id is not None:
        await revoke_session_devices(session_id, now)  # one signing key per login: the newest
    while True:
        device_id = member_qr.new_device_id(secrets.token_bytes(7))
        if not await MemberDevice.exists().where(MemberDevice.device_id == device_id):
            break
    await MemberDevice.insert(
        MemberDevice(
            device_id=device_id,
            member=member_id,
            public_key=public_key,
            label=label[:120],
            session_id=session_id,
            created_at=now,
            last_sync_at=now,
        )
    )
    return device_id


async def revoke_session_devices(session_id: int, now: datetime) -> None:
    """A revoked device's QR codes are refused at once, even if its key is still on a phone."""
    await MemberDevice.update({MemberDevice.revoked_at: now}).where(
        (MemberDevice.session_id == session_id) & MemberDevice.revoked_at.is_null()
    )


async def record_consent_change(member_id: int, purpose: str, granted: bool, source: str, now: datetime) -> None:
    """Grants or withdraws one purpose, to its current text version; nothing is written when it is already so."""
    if await already_so(member_id, purpose, granted):
        return
    version = (await current_versions()).get(purpose, "")
    await ConsentEvent.insert(
        ConsentEvent(
            member=member_id, purpose=purpose, granted=granted, text_version=version, source=source, created_at=now
        )
    )
