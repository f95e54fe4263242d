"""What the member's home screen shows, and what the member sends to change their profile or devices."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from backend.cards.schemas import ActivityOut, CardOut, RewardOut, TierOut, TierProgressOut
from backend.club.consent_texts import ConsentTextOut
from backend.members.schemas import Lang, MemberOut
from backend.points.schemas import PointsSummaryOut
from backend.prepaid.schemas import MemberPrepaidOut
from digital_stampcard.profile import ProfileField


class DeviceOut(msgspec.Struct):
    device_id: str | None


class ProfileOut(msgspec.Struct):
    first_name: str | None
    birthday: date | None
    interests: list[str]
    favourite_store_id: int | None
    extra: dict[str, str | int | float] = msgspec.field(default_factory=dict)  # answers, by field key
    fields: list[ProfileField] = msgspec.field(default_factory=list)  # the business's own fields, in order


class MemberHome(msgspec.Struct):
    member: MemberOut
    tier: TierOut
    tier_progress: TierProgressOut
    card: CardOut | None
    rewards: list[RewardOut]
    activity: list[ActivityOut]
    device: DeviceOut
    profile: ProfileOut
    consents_to_renew: list[ConsentTextOut] = msgspec.field(default_factory=list)  # changed texts to accept again
    prepaid: list[MemberPrepaidOut] = msgspec.field(default_factory=list)  # klippekort still working
    points: PointsSummaryOut | None = None  # None: the club runs no points program


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    """Only these fields: a member cannot PATCH stamps, tiers or roles."""

    first_name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | None = None
    birthday: date | None = None
    interests: Annotated[list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=30)] | None = None
    favourite_store_id: int | None = None
    lang: Lang | None = None
    # Answers to the business's own fields, by key (all of them: a field left out is cleared).
    profile_extra: (
        Annotated[
            dict[str, Annotated[str, msgspec.Meta(max_length=400)] | int | float | None], msgspec.Meta(max_length=40)
        ]
        | None
    ) = None


class DeviceIn(msgspec.Struct):
    public_key: Annotated[str, msgspec.Meta(max_length=200)]
    label: Annotated[str, msgspec.Meta(max_length=200)] = ""


class DeviceRegisteredOut(msgspec.Struct):
    device_id: str
