"""The member's home screen: card, rewards, tier progress, recent activity and klippekort."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.cards.programs import member_program
from backend.cards.views import activity, card_of, member_state, progress_out, rewards_of, tier_out
from backend.club.service import cached_club
from backend.club.setup import profile_fields
from backend.me.schemas import DeviceOut, MemberHome, ProfileOut
from backend.members.consent_ledger import to_renew
from backend.members.presenters import member_out
from backend.members.tables import Member, MemberDevice
from backend.points.views import home_points
from backend.prepaid.views import home_cards

SYNC_NOTED_EVERY = timedelta(minutes=5)  # the device's last sync (Min side's export), to within this


async def home(member: Member, session_id: int, now: datetime) -> MemberHome:
    program = await member_program(member.favourite_store, now)
    state, tier, progress = await member_state(member, program, now)
    device = (
        await MemberDevice.objects()
        .where(
            (MemberDevice.member == member.id)
            & (MemberDevice.session_id == session_id)
            & MemberDevice.revoked_at.is_null()
        )
        .order_by(MemberDevice.id, ascending=False)
        .first()
    )
    if device is not None and now - device.last_sync_at > SYNC_NOTED_EVERY:  # not a write on every open
        await MemberDevice.update({MemberDevice.last_sync_at: now}).where(MemberDevice.id == device.id)
    return MemberHome(
        member=member_out(member),
        tier=tier_out(tier, member.lang),
        tier_progress=progress_out(progress, member.lang),
        card=card_of(state, program) if program is not None else None,
        rewards=rewards_of(state),
        activity=await activity(member.id),
        device=DeviceOut(device.device_id if device else None),
        profile=ProfileOut(
            member.first_name,
            member.birthday,
            list(member.interests or []),
            member.favourite_store,
            dict(member.profile_extra or {}),
            profile_fields(await cached_club()),
        ),
        consents_to_renew=await to_renew(member.id),
        prepaid=await home_cards(member.id, now),
        points=await home_points(member.id, now),
    )
