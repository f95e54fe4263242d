"""Referrals: a member's personal code and link, joining through it, and the referral decided at the
referred member's first staff-given stamp (once, under a monthly cap). The rules are in
`digital_stampcard.referrals`; neither side ever sees the other's phone, e-mail or name."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import msgspec

from backend.context import AppContext
from backend.db import UNIQUE_VIOLATIONS, write_transaction
from backend.members.locking import lock_member
from backend.members.tables import Member, MemberDevice, Referral
from digital_stampcard import referrals as rules
from digital_stampcard.identifiers import Identifier
from digital_stampcard.visits import PendingReferral


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


async def pending_referral(member_id: int, now: datetime) -> PendingReferral | None:
    """At a staff-given stamp, with the member locked: their referral still waiting for it, if any,
    with the referrer locked too, so two friends' first stamps at once cannot both slip under the
    monthly cap. (Locks go newer member → older referrer, never the other way, so they cannot deadlock.)"""
    referral = (
        await Referral.select(Referral.id, Referral.referrer)
        .where((Referral.referred == member_id) & (Referral.status == "pending"))
        .first()
    )
    if referral is None:
        return None
    referrer = await lock_member(Member._meta.db, referral["referrer"])
    start, end = rules.month_bounds(now)
    rewarded = await Referral.count().where(
        (Referral.referrer == referral["referrer"])
        & (Referral.status == "rewarded")
        & (Referral.decided_at >= start)
        & (Referral.decided_at < end)
    )
    return PendingReferral(referral["id"], referral["referrer"], referrer.left_at is not None, rewarded)


async def settle(referral_id: int, status: rules.Status, now: datetime) -> bool:
    """Records the decision once: the conditional update from "pending" is the guard."""
    claimed = (
        await Referral.update({Referral.status: status, Referral.decided_at: now})
        .where((Referral.id == referral_id) & (Referral.status == "pending"))
        .returning(Referral.id)
    )
    return bool(claimed)


async def note_reward(referral_id: int, reward_id: int) -> None:
    await Referral.update({Referral.reward_id: reward_id}).where(Referral.id == referral_id)
