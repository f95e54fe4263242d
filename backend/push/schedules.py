"""Time-based notifications: rewards about to expire, birthdays, anniversaries of joining, "vi savner deg" after a long
absence, and the tier demotion warning. Found by a periodic scan; the dedupe key makes each once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend.cards.gifts import give_gift
from backend.cards.ledger import earned_in_window, tier_window_days
from backend.cards.programs import member_program, tier_ladder
from backend.cards.tables import Reward
from backend.club.service import get_club
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.tables import Member
from backend.push.outbox import enqueue
from digital_stampcard import birthdays
from digital_stampcard.bonuses import anniversary_years, reward_text
from digital_stampcard.clock import OSLO
from digital_stampcard.tiers import DEMOTION_WARNING_DAYS, tier_at_review, tier_for

EXPIRY_NOTICE = timedelta(days=3)


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
        days = max(0, (row["expires_at"] - now).days)
        await enqueue(
            row["member"],
            "reward_expiring",
            row["id"],
            {"reward": row["title"], "reward_id": row["id"], "days": days},
            now,
        )
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
        if (birthday.month, birthday.day) != (today.month, today.day):
            continue
        # No program running for the member today, or a birthday set just now: the greeting goes without a gift.
        gift = club.birthday_reward and birthdays.reward_allowed(member["birthday_set_at"], now)
        program = await member_program(member["favourite_store"], now) if gift else None
        title = reward_text(club.birthday_reward_text, program.reward_text) if program else ""
        async with write_transaction(ctx.engine):
            data: dict[str, Any] = {"name": member["first_name"] or "", **({"reward": title} if title else {})}
            if await enqueue(member["id"], "birthday", today.year, data, now):
                if program is not None:
                    await give_gift(member["id"], program, title, "birthday", now)
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
            if await enqueue(member["id"], "anniversary", today.year, {"years": years, "reward": title}, now):
                await give_gift(member["id"], program, title, "anniversary", now)
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
        count += await enqueue(member["id"], "we_miss_you", member["last_visit_at"].date().isoformat(), {}, now)
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
        earned = await earned_in_window(member["id"], member["tier_review_at"], window_days)
        held = next((t for t in ladder if t.code == member["tier_code"]), None)
        after = tier_at_review(earned, ladder)
        if held is None or after.threshold >= held.threshold:
            continue
        needed = held.threshold - earned
        days = max(1, (member["tier_review_at"] - now).days)
        data = {"tier": tier_for(earned, ladder).name(member["lang"]), "needed": needed, "days": days}
        count += await enqueue(
            member["id"], "tier_demotion_warning", member["tier_review_at"].date().isoformat(), data, now
        )
    return count
