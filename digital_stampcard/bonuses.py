"""Bonus rules: the owner's bonus settings, the random "surprise" on a visit and the anniversary of
joining. Pure: the random draw and the dates are arguments."""

from __future__ import annotations

import calendar
from datetime import date

import msgspec

from digital_stampcard.errors import DomainError

MAX_WELCOME_STAMPS = 10
MAX_SURPRISE_PERCENT = 20  # more would make the surprise a routine
MAX_REWARD_TEXT = 120
MAX_REFERRAL_CAP = 100  # rewarded referrals a month


class BonusSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every bonus setting (a PUT replaces them all). A reward text of "" means the program's own reward."""

    profile_bonus_stamps: int = 1
    welcome_bonus_stamps: int = 0
    birthday_reward: bool = True
    birthday_reward_text: str = ""
    anniversary_reward: bool = False
    anniversary_reward_text: str = ""
    surprise_share_percent: int = 0
    surprise_reward_text: str = ""
    referral_reward_text: str = ""  # the referrer's reward (see digital_stampcard.referrals)
    referral_monthly_cap: int = 5  # rewarded referrals per referrer and Oslo calendar month
    referral_friend_reward: bool = True  # the friend who joined through the link is rewarded too
    referral_friend_reward_text: str = ""


def clean_bonuses(settings: BonusSettings) -> BonusSettings:
    """Trims the texts and checks every number, naming the field that is wrong."""
    for field, value, top in (
        ("profile_bonus_stamps", settings.profile_bonus_stamps, MAX_WELCOME_STAMPS),
        ("welcome_bonus_stamps", settings.welcome_bonus_stamps, MAX_WELCOME_STAMPS),
        ("surprise_share_percent", settings.surprise_share_percent, MAX_SURPRISE_PERCENT),
        ("referral_monthly_cap", settings.referral_monthly_cap, MAX_REFERRAL_CAP),
    ):
        if not 0 <= value <= top:
            raise DomainError("validation_error", f"Choose a number from 0 to {top}.", field=field, max=top)
    texts = {}
    for field in (
        "birthday_reward_text",
        "anniversary_reward_text",
        "surprise_reward_text",
        "referral_reward_text",
        "referral_friend_reward_text",
    ):
        text = " ".join(str(getattr(settings, field)).split())
        if len(text) > MAX_REWARD_TEXT:
            raise DomainError("validation_error", f"At most {MAX_REWARD_TEXT} characters.", field=field)
        texts[field] = text
    return msgspec.structs.replace(settings, **texts)


def surprise_due(draw: float, share_percent: int) -> bool:
    """Whether this visit gets a surprise: `draw` is uniform in [0, 1), so a share of p % of visits."""
    if not 0.0 <= draw < 1.0:
        raise ValueError("the draw must be in [0, 1)")
    return draw * 100 < share_percent


def reward_text(own: str, program_reward: str) -> str:
    return own or program_reward


def anniversary_years(joined_on: date, today: date) -> int | None:
    """Whole years of membership when `today` is the anniversary of `joined_on` (1 and up), else None.
    Members who joined on 29 February celebrate on the 28th in other years."""
    years = today.year - joined_on.year
    if years < 1:
        return None
    day = joined_on.day
    if joined_on.month == 2 and day == 29 and not calendar.isleap(today.year):
        day = 28
    return years if (today.month, today.day) == (joined_on.month, day) else None
