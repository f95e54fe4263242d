"""Tiers from stamps *earned* over a rolling window. Promotion is immediate; demotion waits for
the yearly review, with a warning 30 days before it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from digital_stampcard.errors import DomainError

WINDOW_DAYS = 365
# The ledger kinds that count toward a tier: stamps and bonus stamps, less what was undone or voided.
EARNING_KINDS = ("stamp", "bonus", "undo", "void")
WINDOW_DAYS_MIN, WINDOW_DAYS_MAX = 30, 730
TIERS_MIN, TIERS_MAX = 2, 6
MULTIPLIER_MAX = 5
DEMOTION_WARNING_DAYS = 30


class Tier(msgspec.Struct, frozen=True):
    code: str
    name_nb: str
    name_en: str
    threshold: int
    stamp_multiplier: int = 1
    extra_reward_text: str = ""  # a reward given once on reaching the tier; "" is none
    early_access_minutes: int = 0  # the head start campaigns give this tier by default

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
    window_days: int = WINDOW_DAYS


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


class DemotionWarning(msgspec.Struct, frozen=True):
    tier: Tier  # the tier the member would hold after the review, named in the warning
    needed: int  # stamps still to earn before the review to keep the tier held
    days: int  # days left to the review, at least 1


def demotion_warning(
    held_code: str, earned: int, ladder: tuple[Tier, ...] | list[Tier], review_at: datetime, now: datetime
) -> DemotionWarning | None:
    """A member whose window would not hold their tier at the coming review is warned, in time to
    earn it back; a tier that is not on the ladder any more is not warned about."""
    held = next((t for t in ladder if t.code == held_code), None)
    if held is None or not demotion_warning_due(review_at, now):
        return None
    if tier_at_review(earned, ladder).threshold >= held.threshold:
        return None
    return DemotionWarning(tier_for(earned, ladder), held.threshold - earned, max(1, (review_at - now).days))


def tier_progress(
    current: Tier, earned: int, tiers: tuple[Tier, ...] | list[Tier], window_days: int = WINDOW_DAYS
) -> TierProgress:
    higher = [t for t in _ladder(tiers) if t.threshold > current.threshold]
    if not higher:
        return TierProgress(earned, current, None, 0, 1.0, window_days)
    nxt = higher[0]
    remaining = max(0, nxt.threshold - earned)
    return TierProgress(earned, current, nxt, remaining, min(1.0, earned / nxt.threshold), window_days)


def tiers_reached(before: Tier, after: Tier, tiers: Sequence[Tier]) -> list[Tier]:
    """The tiers a promotion from `before` to `after` passes into (after included), lowest first."""
    return [t for t in _ladder(list(tiers)) if before.threshold < t.threshold <= after.threshold]


def check_window(days: int) -> int:
    if not WINDOW_DAYS_MIN <= days <= WINDOW_DAYS_MAX:
        raise DomainError(
            "tier_window_invalid",
            "Tiers count stamps over 30 to 730 days.",
            field="window_days",
            min=WINDOW_DAYS_MIN,
            max=WINDOW_DAYS_MAX,
        )
    return days


def check_ladder(tiers: Sequence[Tier]) -> list[Tier]:
    """A valid ladder, trimmed, in the order given: 2 to 6 tiers, unique codes, the first at 0 and
    each threshold above the one before, multipliers 1 to 5. Errors name the row (`tiers[i].field`)."""
    if not TIERS_MIN <= len(tiers) <= TIERS_MAX:
        raise DomainError("tier_count_invalid", "Have 2 to 6 tiers.", field="tiers", min=TIERS_MIN, max=TIERS_MAX)
    cleaned: list[Tier] = []
    seen: set[str] = set()
    for i, tier in enumerate(tiers):
        row = f"tiers[{i}]"
        code = tier.code.strip().lower()
        if not code or len(code) > 20 or not all(c.isalnum() or c in "-_" for c in code):
            raise DomainError(
                "tier_code_invalid", "A code is 1–20 letters, digits, - or _.", field=f"{row}.code", row=i
            )
        if code in seen:
            raise DomainError("tier_code_taken", "Two tiers have the same code.", field=f"{row}.code", row=i)
        seen.add(code)
        name_nb, name_en = tier.name_nb.strip(), tier.name_en.strip() or tier.name_nb.strip()
        if not name_nb or len(name_nb) > 40 or len(name_en) > 40:
            raise DomainError(
                "tier_name_invalid", "Give the tier a name (at most 40 characters).", field=f"{row}.name_nb", row=i
            )
        if i == 0 and tier.threshold != 0:
            raise DomainError(
                "tier_first_not_zero", "The first tier starts at 0 stamps.", field=f"{row}.threshold", row=i
            )
        if i > 0 and tier.threshold <= cleaned[-1].threshold:
            raise DomainError(
                "tier_threshold_order",
                "Each tier needs more stamps than the one before.",
                field=f"{row}.threshold",
                row=i,
            )
        if not 1 <= tier.stamp_multiplier <= MULTIPLIER_MAX:
            raise DomainError(
                "tier_multiplier_invalid", "The multiplier is 1 to 5.", field=f"{row}.stamp_multiplier", row=i
            )
        if len(tier.extra_reward_text.strip()) > 120:
            raise DomainError("tier_reward_invalid", "At most 120 characters.", field=f"{row}.extra_reward_text", row=i)
        if not 0 <= tier.early_access_minutes <= 7 * 24 * 60:
            raise DomainError(
                "tier_early_access_invalid",
                "Early access is 0 minutes to 7 days.",
                field=f"{row}.early_access_minutes",
                row=i,
            )
        cleaned.append(
            msgspec.structs.replace(
                tier, code=code, name_nb=name_nb, name_en=name_en, extra_reward_text=tier.extra_reward_text.strip()
            )
        )
    return cleaned


def held_under(code: str, old: Sequence[Tier], new: Sequence[Tier]) -> Tier:
    """The tier a member holding `code` keeps when the owner saves the `new` ladder: the same code if
    it is still there, else the new tier for the old one's threshold (saving never demotes)."""
    ladder = _ladder(list(new))
    kept = next((t for t in ladder if t.code == code), None)
    if kept is not None:
        return kept
    was = next((t for t in old if t.code == code), None)
    return tier_for(was.threshold if was is not None else 0, ladder)


def preview_distribution(
    rows: Sequence[tuple[str, int, int]], old: Sequence[Tier], new: Sequence[Tier]
) -> dict[str, int]:
    """Members per tier under the `new` ladder by their next stamp, from (held code, stamps earned in
    the window, members) rows: the higher of what they hold (kept on saving) and what they earned."""
    ladder = _ladder(list(new))
    counts = {t.code: 0 for t in ladder}
    for code, earned, members in rows:
        held, reached = held_under(code, old, ladder), tier_for(max(0, earned), ladder)
        counts[(reached if reached.threshold > held.threshold else held).code] += members
    return counts
