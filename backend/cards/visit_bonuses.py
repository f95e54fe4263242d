"""Bonuses a visit can bring, given in the stamp's own transaction (till and POS alike): the welcome
bonus with the member's first staff-given stamp, now and then a surprise reward, and the reward of
the member who referred them (backend/members/referrals.py)."""

from __future__ import annotations

import secrets
from datetime import datetime

from backend.cards.gifts import give_gift
from backend.cards.stamping import apply_stamps
from backend.cards.tables import LedgerEntry, Program
from backend.club.service import get_club
from backend.club.tables import Club
from backend.context import Actor
from backend.members.referrals import reward_first_stamp
from backend.members.tables import Member
from backend.push.outbox import enqueue
from digital_stampcard.bonuses import reward_text, surprise_due
from digital_stampcard.clock import local_day_bounds

_DRAW_STEPS = 1_000_000


async def give_visit_bonuses(member: Member, program: Program, now: datetime, actor: Actor, stamp_id: int) -> None:
    """Call after the visit's stamps are applied (ledger row `stamp_id`), with the member locked. The
    gifts name the stamp, so voiding or undoing it takes them back (backend/cards/gifts.py)."""
    club = await get_club()
    await _welcome(club, member, program, now, actor)
    await _surprise(club, member, program, now, actor, stamp_id)
    await reward_first_stamp(club, member, program, now, actor, stamp_id)  # the referral's rewards, once


async def _welcome(club: Club, member: Member, program: Program, now: datetime, actor: Actor) -> None:
    """Once per member, with their first staff-given stamp: joining alone gives nothing."""
    if club.welcome_bonus_stamps <= 0:
        return
    visits = await LedgerEntry.count().where((LedgerEntry.member == member.id) & (LedgerEntry.kind == "stamp"))
    given = await LedgerEntry.exists().where(
        (LedgerEntry.member == member.id) & (LedgerEntry.kind == "bonus") & (LedgerEntry.reason == "welcome")
    )
    if visits != 1 or given:
        return
    applied = await apply_stamps(
        member.id, program, club.welcome_bonus_stamps, now, kind="bonus", reason="welcome", allowance=None, actor=actor
    )
    for reward_id, grant in zip(applied.reward_ids, applied.plan.rewards, strict=True):
        await enqueue(member.id, "reward_ready", reward_id, {"reward": grant.title, "reward_id": reward_id}, now)


async def _surprise(club: Club, member: Member, program: Program, now: datetime, actor: Actor, stamp_id: int) -> None:
    """A random share of visits, drawn here so nobody can learn a routine; at most one a day."""
    draw = secrets.randbelow(_DRAW_STEPS) / _DRAW_STEPS
    if not surprise_due(draw, club.surprise_share_percent):
        return
    start, end = local_day_bounds(now)
    if await LedgerEntry.exists().where(
        (LedgerEntry.member == member.id)
        & (LedgerEntry.kind == "reward_issued")
        & (LedgerEntry.reason == "surprise")
        & (LedgerEntry.created_at >= start)
        & (LedgerEntry.created_at < end)
    ):
        return
    title = reward_text(club.surprise_reward_text, program.reward_text)
    reward_id = await give_gift(member.id, program, title, "surprise", now, actor=actor, came_with=stamp_id)
    await enqueue(member.id, "surprise", reward_id, {"reward": title, "reward_id": reward_id}, now)
