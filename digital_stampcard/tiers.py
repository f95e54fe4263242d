"""Tiers from stamps *earned* over a rolling window. Promotion is immediate; demotion waits for
the yearly review, with a warning 30 days before it."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

WINDOW_DAYS = 365
DEMOTION_WARNING_DAYS = 30


class Tier(msgspec.Struct, frozen=True):
    code: str
    name_nb: str
    name_en: str
    threshold: int
    stamp_multiplier: int = 1

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_nb


DEFAULT_TIERS = (
    Tier("bronse", "Bronse", "Bronze", 0),
    Tier("solv", "Sølv", "Silver", 10),
    Tier("gull", "Gull", "Gold", 25),
)


class TierProgress(msgspec.Struct, frozen=True):
    earned: int
    current: Tier
    next: Tier | None
    remaining: int
    fraction: float


def window_start(now: datetime, days: int = WINDOW_DAYS) -> datetime:
    return now - timedelta(days=days)


def _ladder(tiers: tuple[Tier, ...] | list[Tier]) -> list[Tier]:
    ordered = sorted(tiers, key=lambda t: t.threshold)
    if not ordered or ordered[0].threshold != 0:
        raise ValueError("the lowest tier must have threshold 0")
    return ordered


def tier_for(earned: int, tiers: tuple[Tier, ...] | list[Tier]) -> Tier:
    reached = [t for t in _ladder(tiers) if earned >= t.threshold]
    return reached[-1]


def held_tier(current_code: str | None, earned: int, tiers: tuple[Tier, ...] | list[Tier]) -> Tier:
    """Between reviews a member keeps the highest tier held; earning more can only promote."""
    ladder = _ladder(tiers)
    by_code = {t.code: t for t in ladder}
    earned_tier = tier_for(earned, ladder)
    held = by_code.get(current_code or "", ladder[0])
    return earned_tier if earned_tier.threshold >= held.threshold else held


def tier_at_review(earned: int, tiers: tuple[Tier, ...] | list[Tier]) -> Tier:
    """At the yearly review the tier is what the window supports (this is when demotion happens)."""
    return tier_for(earned, tiers)


def demotion_warning_due(review_at: datetime, now: datetime) -> bool:
    return timedelta(0) <= review_at - now <= timedelta(days=DEMOTION_WARNING_DAYS)


def tier_progress(current: Tier, earned: int, tiers: tuple[Tier, ...] | list[Tier]) -> TierProgress:
    higher = [t for t in _ladder(tiers) if t.threshold > current.threshold]
    if not higher:
        return TierProgress(earned, current, None, 0, 1.0)
    nxt = higher[0]
    remaining = max(0, nxt.threshold - earned)
    return TierProgress(earned, current, nxt, remaining, min(1.0, earned / nxt.threshold))
