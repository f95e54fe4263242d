"""Referrals: a member's personal link and QR, joining through it, and the referrer's reward at the
referred member's first staff-given stamp (once, under a monthly cap). The rules are in
`digital_stampcard.referrals`; neither side ever sees the other's phone, e-mail or name."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import msgspec

from backend.cards.gifts import give_gift
from backend.cards.tables import Program
from backend.club.service import get_club
from backend.club.tables import Club
from backend.context import Actor, AppContext
from backend.db import UNIQUE_VIOLATIONS, write_transaction
from backend.members.locking import lock_member
from backend.members.referral_schemas import MyReferral, ReferralsOut, WhoReferredMe
from backend.members.tables import Member, MemberDevice, Referral
from backend.push.outbox import enqueue
from digital_stampcard import referrals as rules
from digital_stampcard.bonuses import reward_text
from digital_stampcard.identifiers import Identifier

REASON = "referral"


def link(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"


async def ensure_code(ctx: AppContext, member_id: int) -> str:
    """The member's code, made on first use. A clash with another member's code (40 random bits, so
    rare) breaks the unique index and another code is drawn."""
    for _ in range(5):
        row = await Member.select(Member.referral_code).where(Member.id == member_id).first()
        if row and row["referral_code"]:
            return str(row["referral_code"])
        try:
            async with write_transaction(ctx.engine):
                await Member.update({Member.referral_code: rules.new_code(secrets.token_bytes(5))}).where(
                    (Member.id == member_id) & Member.referral_code.is_null()
                )
        except UNIQUE_VIOLATIONS:
            continue
    raise RuntimeError("could not draw a free referral code")


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
    from backend.cards.programs import member_program

    program = await member_program(favourite_store, now)
    return program.reward_text if program else ""


async def for_export(member_id: int) -> dict[str, Any]:
    """The member's side of their referrals: codes, dates and statuses, never the other member."""
    made = (
        await Referral.select(Referral.code, Referral.status, Referral.created_at, Referral.decided_at)
        .where(Referral.referrer == member_id)
        .order_by(Referral.id)
    )
    mine = await Referral.select(Referral.code, Referral.status, Referral.created_at).where(
        Referral.referred == member_id
    )
    code = await Member.select(Member.referral_code).where(Member.id == member_id).first()
    return {"my_code": code["referral_code"] if code else None, "friends_i_referred": made, "referred_me": mine}


# --- joining through a link --------------------------------------------------------------------------


class JoinReferral(msgspec.Struct):
    """What a join through a link comes to: `referrer_id` when it counts, else why not."""

    code: str | None
    referrer_id: int | None
    refused: rules.Refusal | None


async def check_join(
    code_text: str | None, identifier: Identifier, device_key: str, caller_member_id: int | None
) -> JoinReferral:
    """Before a new member is made: whether the code belongs to a member who may refer this person."""
    if not code_text:
        return JoinReferral(None, None, None)
    code = rules.normalise_code(code_text)
    referrer = await Member.objects().where(Member.referral_code == code).first() if code else None
    facts = None
    if referrer is not None:
        keys = await MemberDevice.select(MemberDevice.public_key).where(MemberDevice.member == referrer.id)
        facts = rules.Referrer(
            addresses=frozenset(a for a in (referrer.phone, referrer.email) if a),
            device_keys=frozenset(k["public_key"] for k in keys),
            left=referrer.left_at is not None,
        )
    own_session = referrer is not None and caller_member_id == referrer.id
    joiner = rules.Joiner(identifier.value, device_key, own_session)
    refused = rules.refusal(facts, joiner)
    return JoinReferral(code, None if refused or referrer is None else referrer.id, refused)


def outcome(join: JoinReferral | None) -> str | None:
    """What the join page is told: "recorded", the refusal, or None without a link."""
    if join is None or (join.referrer_id is None and join.refused is None):
        return None
    return "recorded" if join.referrer_id is not None else join.refused


async def record(join: JoinReferral, referred_id: int, now: datetime) -> None:
    """In the join's transaction, after the new member is made."""
    if join.referrer_id is None or join.code is None:
        return
    await Referral.insert(
        Referral(referrer=join.referrer_id, referred=referred_id, code=join.code, status="pending", created_at=now)
    )


# --- the reward ----------------------------------------------------------------------------------------


async def reward_first_stamp(
    club: Club, member: Member, program: Program, now: datetime, actor: Actor, stamp_id: int
) -> None:
    """At a staff-given stamp, with the member locked: decides their pending referral, once. The
    conditional update from "pending" is the guard; the referrer is locked too, so two friends'
    first stamps at once cannot both slip under the monthly cap. (Locks go newer member → older
    referrer, never the other way, so they cannot deadlock.)"""
    referral = (
        await Referral.select(Referral.id, Referral.referrer)
        .where((Referral.referred == member.id) & (Referral.status == "pending"))
        .first()
    )
    if referral is None:
        return
    referrer = await lock_member(Member._meta.db, referral["referrer"])
    start, end = rules.month_bounds(now)
    rewarded = await Referral.count().where(
        (Referral.referrer == referral["referrer"])
        & (Referral.status == "rewarded")
        & (Referral.decided_at >= start)
        & (Referral.decided_at < end)
    )
    status = rules.decide(
        rewarded_this_month=rewarded, monthly_cap=club.referral_monthly_cap, referrer_left=referrer.left_at is not None
    )
    claimed = (
        await Referral.update({Referral.status: status, Referral.decided_at: now})
        .where((Referral.id == referral["id"]) & (Referral.status == "pending"))
        .returning(Referral.id)
    )
    if not claimed:
        return
    if club.referral_friend_reward:  # the friend's welcome gift does not count against anyone's cap
        title = reward_text(club.referral_friend_reward_text, program.reward_text)
        await _give_reward(member, title, referral["id"], program, now, actor, "referral_friend", stamp_id)
    if status == "rewarded":
        title = reward_text(club.referral_reward_text, program.reward_text)
        reward_id = await _give_reward(referrer, title, referral["id"], program, now, actor, REASON, stamp_id)
        await Referral.update({Referral.reward_id: reward_id}).where(Referral.id == referral["id"])
        # The friend is at the till and sees it there; the referrer is told by a push.
        await enqueue(referrer.id, "referral", reward_id, {"reward": title, "reward_id": reward_id}, now)


async def _give_reward(
    to: Member, title: str, referral_id: int, program: Program, now: datetime, actor: Actor, reason: str, stamp_id: int
) -> int:
    # The ledger row names the store where the friend's first stamp was given, and that stamp.
    return await give_gift(
        to.id, program, title, reason, now, actor=actor, came_with=stamp_id, details={"referral": referral_id}
    )
