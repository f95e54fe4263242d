"""The owner's tier ladder: read it, preview a new one against today's members, save it.

Saving never demotes anyone (that happens only at the yearly review): members keep the tier they
hold, and a lower threshold promotes them at their next stamp. A member holding a tier that the new
ladder drops moves to the new tier for that tier's old threshold."""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.query.functions.aggregate import Count

from backend.cards.admin_schemas import LadderIn, LadderOut, PreviewOut, PreviewRow, TierIn, TierOut
from backend.cards.ledger import EARNING_KINDS, tier_window_days
from backend.cards.programs import tier_ladder
from backend.cards.tables import LedgerEntry, TierLevel
from backend.club.tables import Club
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.tables import Member
from digital_stampcard import tiers as rules
from digital_stampcard.tiers import Tier


def _tier(t: TierIn) -> Tier:
    return Tier(
        t.code, t.name_nb, t.name_en, t.threshold, t.stamp_multiplier, t.extra_reward_text, t.early_access_minutes
    )


async def _held() -> dict[str, int]:
    rows = await Member.select(Member.tier_code, Count(Member.id).as_alias("n")).group_by(Member.tier_code)
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


async def earned_distribution(now: datetime, window_days: int) -> list[tuple[int, int]]:
    """(stamps earned in the window, how many members earned that many), members with no earning
    entry in the window left out. One grouped query over the ledger's created_at index; the outer
    grouping keeps the answer small (one row per distinct total, not per member)."""
    kinds = ", ".join(f"'{k}'" for k in EARNING_KINDS)  # constants, not input
    rows = await LedgerEntry.raw(
        "SELECT earned, COUNT(*) AS members FROM ("
        " SELECT member, SUM(stamps) AS earned FROM ledger_entry"
        f" WHERE kind IN ({kinds}) AND created_at >= {{}} GROUP BY member"
        ") per_member GROUP BY earned",
        now - timedelta(days=window_days),
    )
    return [(int(r["earned"] or 0), int(r["members"])) for r in rows]


async def preview(ctx: AppContext, data: LadderIn) -> PreviewOut:
    ladder = rules.check_ladder([_tier(t) for t in data.tiers])
    window_days = rules.check_window(data.window_days)
    total = await Member.count()
    counted = await earned_distribution(ctx.clock.now(), window_days)
    without = total - sum(members for _, members in counted)  # nothing earned in the window: the lowest tier
    proposed = rules.distribution([*counted, (0, without)], ladder)
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
            values = {
                TierLevel.name_nb: tier.name_nb,
                TierLevel.name_en: tier.name_en,
                TierLevel.threshold: tier.threshold,
                TierLevel.stamp_multiplier: tier.stamp_multiplier,
                TierLevel.extra_reward_text: tier.extra_reward_text,
                TierLevel.early_access_minutes: tier.early_access_minutes,
            }
            if await TierLevel.exists().where(TierLevel.code == tier.code):
                await TierLevel.update(values).where(TierLevel.code == tier.code)
            else:
                await TierLevel.insert(TierLevel(code=tier.code, **{c._meta.name: v for c, v in values.items()}))
        await Club.update({Club.tier_window_days: window_days}, force=True)
    return await get_ladder()
