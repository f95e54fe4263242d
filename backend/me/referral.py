"""The member's referral screen: their link and QR, the reward it brings and how their friends fared."""

from __future__ import annotations

from datetime import datetime

from backend.cards.programs import member_program
from backend.club.service import get_club
from backend.context import AppContext
from backend.members.referral_schemas import MyReferral, ReferralsOut, WhoReferredMe
from backend.members.referrals import ensure_code, link
from backend.members.tables import Member, Referral
from digital_stampcard import referrals as rules


async def overview(ctx: AppContext, member: Member, now: datetime) -> ReferralsOut:
    code = await ensure_code(ctx, member.id)
    club = await get_club()
    start, end = rules.month_bounds(now)
    rows = (
        await Referral.select(Referral.id, Referral.status, Referral.created_at, Referral.decided_at)
        .where(Referral.referrer == member.id)
        .order_by(Referral.id, ascending=False)
    )
    mine = await Referral.select(Referral.status, Referral.created_at).where(Referral.referred == member.id).first()
    return ReferralsOut(
        code=code,
        link=link(ctx.settings.public_url, code),
        qr_url="/api/me/referral/qr.svg",
        reward=club.referral_reward_text or await _program_reward(member.favourite_store, now),
        monthly_cap=club.referral_monthly_cap,
        rewarded_this_month=sum(
            1 for r in rows if r["status"] == "rewarded" and r["decided_at"] and start <= r["decided_at"] < end
        ),
        referrals=[MyReferral(r["created_at"], r["status"], r["decided_at"]) for r in rows],
        referred_by=WhoReferredMe(mine["created_at"], mine["status"]) if mine else None,
    )


async def _program_reward(favourite_store: int | None, now: datetime) -> str:
    """The reward the member's own screens name (as for birthdays): their favourite store's program."""
    program = await member_program(favourite_store, now)
    return program.reward_text if program else ""
