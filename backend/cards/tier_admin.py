"""The owner's tier ladder: read it, preview a new one against today's members, save it.

Saving never demotes anyone (that happens only at the yearly review): members keep the tier they
hold, and a lower threshold promotes them at their next stamp. A member holding a tier that the new
ladder drops moves to the new tier for that tier's old threshold."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from backend.cards.admin_schemas import LadderIn, LadderOut, PreviewOut, PreviewRow, TierIn, TierOut
from backend.cards.ledger import tier_window_days
from backend.cards.programs import tier_ladder
from backend.cards.tables import LedgerEntry, TierLevel
from backend.club.tables import Club
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.tables import Member
from digital_stampcard import tiers as rules
from digital_stampcard.tiers import EARNING_KINDS, Tier


def _tier(t: TierIn) -> Tier:
    return Tier(
        t.code, t.name_nb, t.name_en, t.threshold, t.stamp_multiplier, t.extra_reward_text, t.early_access_minutes
    )


async def _held() -> dict[str, int]:
    rows = (
        await Member.select(Member.tier_code, Count(Member.id).as_alias("n"))
        .where(Member.left_at.is_null())
        .group_by(Member.tier_code)
    )
    return {r["tier_code"]: int(r["n"]) for r in rows}


async def get_ladder() -> LadderOut:
    held = await _held()
    tiers = [
        TierOut(
            t.code,
            t.name_nb,
            t.name_en,
            t.threshold,
            t.stamp_multiplier,
            t.extra_reward_text,
            t.early_access_minutes,
            held.get(t.code, 0),
        )
        for t in await tier_ladder()
    ]
    return LadderOut(tiers, await tier_window_days())


async def earned_distribution(now: datetime, window_days: int) -> list[tuple[str, int, int]]:
    """(tier held, stamps earned in the window, how many such members), for members who have not left.
    One grouped query over the ledger's created_at index; the outer grouping keeps the answer small
    (one row per tier and distinct total, not per member)."""
    kinds = ", ".join(f"'{k}'" for k in EARNING_KINDS)  # constants, not input
    rows = await LedgerEntry.raw(
        "SELECT m.tier_code AS code, COALESCE(e.earned, 0) AS earned, COUNT(*) AS members FROM member m"
        " LEFT JOIN (SELECT member, SUM(stamps) AS earned FROM ledger_entry"
        f" WHERE kind IN ({kinds}) AND created_at >= {{}} GROUP BY member) e ON e.member = m.id"
        " WHERE m.left_at IS NULL GROUP BY m.tier_code, COALESCE(e.earned, 0)",
        now - timedelta(days=window_days),
    )
    return [(str(r["code"]), int(r["earned"] or 0), int(r["members"])) for r in rows]


async def preview(ctx: AppContext, data: LadderIn) -> PreviewOut:
    ladder = rules.check_ladder([_tier(t) for t in data.tiers])
    window_days = rules.check_window(data.window_days)
    counted = await earned_distribution(ctx.clock.now(), window_days)
    total = sum(members for _, _, members in counted)
    proposed = rules.preview_distribution(counted, await tier_ladder(), ladder)
    held = await _held()
    rows = [
        PreviewRow(t.code, t.name_nb, t.name_en, t.threshold, held.get(t.code, 0), proposed[t.code]) for t in ladder
    ]
    return PreviewOut(window_days, total, rows)


async def save_ladder(ctx: AppContext, data: LadderIn) -> LadderOut:
    ladder = rules.check_ladder([_tier(t) for t in data.tiers])
    window_days = rules.check_window(data.window_days)
    async with write_transaction(ctx.engine):
        old = {t.code: t for t in await tier_ladder()}
        new_codes = {t.code for t in ladder}
        for code, gone in old.items():
            if code not in new_codes:  # its holders keep their standing, under the new names
                moved_to = rules.tier_for(gone.threshold, ladder).code
                await Member.update({Member.tier_code: moved_to}).where(Member.tier_code == code)
        await TierLevel.delete().where(TierLevel.code.not_in(list(new_codes)))
        for tier in ladder:
            values: dict[str, Any] = {
                "name_nb": tier.name_nb,
                "name_en": tier.name_en,
                "threshold": tier.threshold,
                "stamp_multiplier": tier.stamp_multiplier,
                "extra_reward_text": tier.extra_reward_text,
                "early_access_minutes": tier.early_access_minutes,
            }
            if await TierLevel.exists().where(TierLevel.code == tier.code):
                await TierLevel.update(**values).where(TierLevel.code == tier.code)
            else:
                await TierLevel.insert(TierLevel(code=tier.code, **values))
        await Club.update({Club.tier_window_days: window_days}, force=True)
    return await get_ladder()
