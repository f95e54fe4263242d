"""The dashboard for one period: the grouped queries run side by side, the pure rules shape them."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from backend.campaigns.service import stats_for
from backend.cards.programs import tier_ladder
from backend.club.tables import Store
from backend.context import AppContext
from backend.dashboard import queries
from backend.dashboard.schemas import (
    ActivityOut,
    CampaignRow,
    DashboardOut,
    DayStamps,
    MembersOut,
    PeriodOut,
    PushOut,
    RewardDay,
    RewardsOut,
    SignupsOut,
    SourceCount,
    StampsOut,
    StoreCount,
    TierCount,
    WeekPoint,
    WinbackOut,
)
from digital_stampcard import dashboard as rules


async def _campaigns_with_stats(start: datetime, end: datetime) -> tuple[list[dict[str, Any]], dict[int, Any]]:
    campaigns = await queries.campaigns_released(start, end)
    async with queries.serial_plans():
        return campaigns, await stats_for([c["id"] for c in campaigns])


async def dashboard(ctx: AppContext, first: str | None, last: str | None) -> DashboardOut:
    now = ctx.clock.now()
    period = rules.parse_period(first, last, now)
    start, end = period.utc_bounds()
    as_of = min(end, now)
    as_of_day = min(period.last, rules.oslo_day(now))
    engine = ctx.engine
    # Side by side: on PostgreSQL each query gets its own pooled connection.
    async with asyncio.TaskGroup() as tg:
        t_before = tg.create_task(queries.members_before(start))
        t_signups = tg.create_task(queries.signups(engine, start, end))
        t_stamps = tg.create_task(queries.stamps_per_day(period.first, period.last))
        t_rewards = tg.create_task(queries.rewards_per_day(period.first, period.last, now))
        t_activity = tg.create_task(queries.activity(period.first, period.last, as_of_day))
        t_tiers = tg.create_task(queries.tier_counts())
        t_push = tg.create_task(queries.push_figures())
        t_campaigns = tg.create_task(_campaigns_with_stats(start, end))
        t_winback = tg.create_task(queries.we_miss_you_returns(start, end, max(now, start)))
        t_ladder = tg.create_task(tier_ladder())
        t_stores = tg.create_task(Store.select(Store.id, Store.name).order_by(Store.name).run())
    before, signups, stamps, rewards = t_before.result(), t_signups.result(), t_stamps.result(), t_rewards.result()
    act = t_activity.result()
    visitors, repeaters, visit_count = act["visitors"], act["repeaters"], act["visits"]
    tiers, ladder, stores = t_tiers.result(), t_ladder.result(), t_stores.result()
    push_members, offers = t_push.result()
    members_now = sum(tiers.values())  # every member has a tier code
    (campaigns, stats), winback = t_campaigns.result(), t_winback.result()
    sends = {w["member"]: w["sent_at"] for w in winback}
    returns = [(w["member"], w["back_at"]) for w in winback if w["back_at"] is not None]

    daily_new: dict[date, int] = {}
    for counts in signups.values():
        for day, n in counts.items():
            daily_new[day] = daily_new.get(day, 0) + n
    weekly = rules.running_total(before, rules.by_week(rules.fill_days(daily_new, period), period))
    new_total = sum(daily_new.values())

    per_store: dict[int | None, int] = {}
    per_source = dict.fromkeys(rules.SIGNUP_SOURCES, 0)
    for (store_id, source), counts in signups.items():
        n = sum(counts.values())
        per_store[store_id] = per_store.get(store_id, 0) + n
        per_source[source] = per_source.get(source, 0) + n
    by_store = [StoreCount(s["id"], s["name"], per_store.get(s["id"], 0)) for s in stores]
    by_store.append(StoreCount(None, "", per_store.get(None, 0)))

    stamp_days = rules.fill_days(stamps, period)
    reward_days = [
        RewardDay(day, issued, rewards["redeemed"].get(day, 0), rewards["expired"].get(day, 0))
        for day, issued in rules.fill_days(rewards["issued"], period)
    ]
    issued = sum(r.issued for r in reward_days)
    redeemed = sum(r.redeemed for r in reward_days)
    expired = sum(r.expired for r in reward_days)

    known = {t.code for t in ladder}
    tier_rows = [TierCount(t.code, t.name_nb, t.name_en, tiers.get(t.code, 0)) for t in ladder]
    tier_rows += [TierCount(code, code, code, n) for code, n in sorted(tiers.items()) if code not in known]

    campaign_rows = [
        CampaignRow(
            c["id"],
            c["title"],
            c["released_at"],
            stats[c["id"]].recipients,
            stats[c["id"]].delivered,
            stats[c["id"]].clicked,
            rules.rate(stats[c["id"]].clicked, stats[c["id"]].delivered),
        )
        for c in campaigns
    ]
    back = rules.won_back(sends, returns, rules.WINBACK_DAYS)

    return DashboardOut(
        period=PeriodOut(period.first, period.last, period.days),
        as_of=as_of,
        members=MembersOut(before + new_total, new_total, [WeekPoint(w, n, t) for w, n, t in weekly]),
        signups=SignupsOut(by_store, [SourceCount(source, n) for source, n in per_source.items()]),
        activity=ActivityOut(
            active_30d=act["a30"],
            active_90d=act["a90"],
            visitors=visitors,
            repeat_visitors=repeaters,
            repeat_visit_rate=rules.rate(repeaters, visitors),
            visits=visit_count,
            avg_visits_per_active=rules.mean(visit_count, visitors),
        ),
        stamps=StampsOut(sum(n for _, n in stamp_days), [DayStamps(d, n) for d, n in stamp_days]),
        rewards=RewardsOut(issued, redeemed, expired, rules.redemption_rate(redeemed, expired), reward_days),
        tiers=tier_rows,
        push=PushOut(
            members_now,
            push_members,
            rules.rate(push_members, members_now),
            offers,
            rules.rate(offers, members_now),
        ),
        campaigns=campaign_rows,
        winback=WinbackOut(rules.WINBACK_DAYS, len(sends), len(back), rules.rate(len(back), len(sends))),
    )
