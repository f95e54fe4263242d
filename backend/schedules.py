"""What the calendar causes: rewards about to expire, birthdays, anniversaries of joining, "vi savner
deg" after a long absence, and the tier demotion warning. Found by the worker's periodic scan; the
rules are the domain's, the rows are written by `backend/outbox.py`, and the push's dedupe key makes
each once (a birthday or anniversary gift is given only by the scan that wrote its push)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend import outbox
from backend.cards.gifts import give_gift
from backend.cards.ledger import earned_in_window, tier_window_days
from backend.cards.programs import member_program, tier_ladder
from backend.cards.tables import Reward
from backend.club.service import get_club
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.tables import Member
from digital_stampcard import birthdays
from digital_stampcard.bonuses import anniversary_years, reward_text
from digital_stampcard.clock import OSLO
from digital_stampcard.effects import Push, reward_issued
from digital_stampcard.rewards import EXPIRY_NOTICE, expiry_notice_days
from digital_stampcard.tiers import DEMOTION_WARNING_DAYS, demotion_warning


async def enqueue_due(ctx: AppContext, now: datetime) -> int:
    """Writes the notifications that are due by now; safe to run from several workers at once."""
    total = 0
    for scan in (_expiring_rewards, _birthdays, _anniversaries, _absences, _demotion_warnings):
        total += await scan(ctx, now)
    return total


async def _expiring_rewards(ctx: AppContext, now: datetime) -> int:
    rows = await Reward.select(Reward.id, Reward.member, Reward.title, Reward.expires_at).where(
        (Reward.status == "active") & (Reward.expires_at > now) & (Reward.expires_at <= now + EXPIRY_NOTICE)
    )
    for row in rows:
        days = expiry_notice_days(row["expires_at"], now)
        if days is not None:
            data = {"reward": row["title"], "reward_id": row["id"], "days": days}
            await outbox.write_one(Push(row["member"], "reward_expiring", row["id"], data), now)
    return len(rows)


async def _birthdays(ctx: AppContext, now: datetime) -> int:
    """The greeting, with the birthday reward when the owner gives one, once a year (the dedupe key
    is the year)."""
    today = now.astimezone(OSLO).date()
    club = await get_club()
    members = await Member.select(
        Member.id, Member.first_name, Member.birthday, Member.birthday_set_at, Member.favourite_store
    ).where(Member.birthday.is_not_null())
    count = 0
    for member in members:
        birthday = member["birthday"]
        if not birthdays.is_birthday(birthday, today):
            continue
        # No program running for the member today, or a birthday set just now: the greeting goes without a gift.
        gift = club.birthday_reward and birthdays.reward_allowed(member["birthday_set_at"], now)
        program = await member_program(member["favourite_store"], now) if gift else None
        title = reward_text(club.birthday_reward_text, program.reward_text) if program else ""
        async with write_transaction(ctx.engine):
            data: dict[str, Any] = {"name": member["first_name"] or "", **({"reward": title} if title else {})}
            if await outbox.write_one(Push(member["id"], "birthday", today.year, data), now):
                if program is not None:
                    granted = await give_gift(member["id"], program, title, "birthday", now)
                    await outbox.write_one(reward_issued(member["id"], granted), now)
                count += 1
    return count


async def _anniversaries(ctx: AppContext, now: datetime) -> int:
    """On the Oslo day the member joined, every year: a reward and its push, once per membership year
    (the dedupe key is the year)."""
    club = await get_club()
    if not club.anniversary_reward:
        return 0
    today = now.astimezone(OSLO).date()
    members = await Member.select(Member.id, Member.joined_at, Member.favourite_store).where(
        (Member.joined_at <= now - timedelta(days=364))  # a year and more: the others have no anniversary yet
        & Member.left_at.is_null()
    )
    count = 0
    for member in members:
        years = anniversary_years(member["joined_at"].astimezone(OSLO).date(), today)
        program = await member_program(member["favourite_store"], now) if years else None
        if years is None or program is None:
            continue
        title = reward_text(club.anniversary_reward_text, program.reward_text)
        async with write_transaction(ctx.engine):
            push = Push(member["id"], "anniversary", today.year, {"years": years, "reward": title})
            if await outbox.write_one(push, now):
                gift = await give_gift(member["id"], program, title, "anniversary", now)
                await outbox.write_one(reward_issued(member["id"], gift), now)
                count += 1
    return count


async def _absences(ctx: AppContext, now: datetime) -> int:
    """Once per absence: the reference is the last visit, so a new visit starts a new absence."""
    cutoff = now - timedelta(days=ctx.settings.we_miss_you_days)
    members = await Member.select(Member.id, Member.last_visit_at).where(
        Member.last_visit_at.is_not_null() & (Member.last_visit_at < cutoff) & Member.left_at.is_null()
    )
    count = 0
    for member in members:
        absence = Push(member["id"], "we_miss_you", member["last_visit_at"].date().isoformat(), {})
        count += await outbox.write_one(absence, now)
    return count


async def _demotion_warnings(ctx: AppContext, now: datetime) -> int:
    ladder = await tier_ladder()
    window_days = await tier_window_days()
    members = await Member.select(Member.id, Member.tier_code, Member.tier_review_at, Member.lang).where(
        (Member.tier_review_at > now)
        & (Member.tier_review_at <= now + timedelta(days=DEMOTION_WARNING_DAYS))
        & Member.left_at.is_null()
    )
    count = 0
    for member in members:
        review_at = member["tier_review_at"]
        earned = await earned_in_window(member["id"], review_at, window_days)
        warning = demotion_warning(member["tier_code"], earned, ladder, review_at, now)
        if warning is None:
            continue
        data = {"tier": warning.tier.name(member["lang"]), "needed": warning.needed, "days": warning.days}
        push = Push(member["id"], "tier_demotion_warning", review_at.date().isoformat(), data)
        count += await outbox.write_one(push, now)
    return count
