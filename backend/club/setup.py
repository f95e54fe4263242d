"""The owner's club setup: bonuses, the business's own profile fields and the interests list, all
kept on the one Club row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.club.service import get_club
from backend.club.tables import Club
from backend.context import AppContext
from backend.db import write_transaction
from digital_stampcard.bonuses import MAX_REFERRAL_CAP, MAX_SURPRISE_PERCENT, BonusSettings, clean_bonuses
from digital_stampcard.profile import Interest, ProfileField, clean_fields, clean_interests

_BONUS_COLUMNS = {
    "profile_bonus_stamps": Club.profile_bonus_stamps,
    "welcome_bonus_stamps": Club.welcome_bonus_stamps,
    "birthday_reward": Club.birthday_reward,
    "birthday_reward_text": Club.birthday_reward_text,
    "anniversary_reward": Club.anniversary_reward,
    "anniversary_reward_text": Club.anniversary_reward_text,
    "surprise_share_percent": Club.surprise_share_percent,
    "surprise_reward_text": Club.surprise_reward_text,
    "referral_reward_text": Club.referral_reward_text,
    "referral_monthly_cap": Club.referral_monthly_cap,
    "referral_friend_reward": Club.referral_friend_reward,
    "referral_friend_reward_text": Club.referral_friend_reward_text,
}


class BonusesOut(msgspec.Struct):
    bonuses: BonusSettings
    program_reward: str  # what a reward text of "" gives (the program for every store; "" if none)
    max_surprise_percent: int
    max_referral_cap: int = MAX_REFERRAL_CAP


class ProfileFieldsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The whole list, in the order members see it: add, rename (same key), reorder or leave one out
    (members' answers to a removed field stay until they next save their profile)."""

    fields: list[ProfileField]


class ProfileFieldsOut(msgspec.Struct):
    fields: list[ProfileField]


class InterestsIn(msgspec.Struct, forbid_unknown_fields=True):
    interests: list[Interest]


class InterestsOut(msgspec.Struct):
    interests: list[Interest]


def bonus_settings(club: Club) -> BonusSettings:
    return BonusSettings(**{name: getattr(club, name) for name in _BONUS_COLUMNS})


def profile_fields(club: Club) -> list[ProfileField]:
    return msgspec.convert(club.profile_fields or [], list[ProfileField])


async def get_bonuses(now: datetime) -> BonusesOut:
    from backend.cards.programs import find_program  # cards imports club: import at call time

    program = await find_program(None, now)
    return BonusesOut(bonus_settings(await get_club()), program.reward_text if program else "", MAX_SURPRISE_PERCENT)


async def put_bonuses(ctx: AppContext, data: BonusSettings) -> BonusesOut:
    cleaned = clean_bonuses(data)
    await _update(ctx, {column: getattr(cleaned, name) for name, column in _BONUS_COLUMNS.items()})
    return await get_bonuses(ctx.clock.now())


async def get_profile_fields() -> ProfileFieldsOut:
    return ProfileFieldsOut(profile_fields(await get_club()))


async def put_profile_fields(ctx: AppContext, data: ProfileFieldsIn) -> ProfileFieldsOut:
    cleaned = clean_fields(data.fields)
    await _update(ctx, {Club.profile_fields: msgspec.to_builtins(cleaned)})
    return ProfileFieldsOut(cleaned)


async def get_interests() -> InterestsOut:
    return InterestsOut(msgspec.convert((await get_club()).interests or [], list[Interest]))


async def put_interests(ctx: AppContext, data: InterestsIn) -> InterestsOut:
    cleaned = clean_interests(data.interests)
    await _update(ctx, {Club.interests: msgspec.to_builtins(cleaned)})
    return InterestsOut(cleaned)


async def _update(ctx: AppContext, changes: dict[Any, Any]) -> None:
    club = await get_club()
    async with write_transaction(ctx.engine):
        await Club.update(changes).where(Club.id == club.id)
