"""What the member endpoints take and return."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from backend.cards.schemas import ActivityOut, CardOut, RewardOut, TierOut, TierProgressOut
from backend.club.consent_texts import ConsentTextOut
from digital_stampcard.profile import ProfileField

Lang = Literal["nb", "en"]


class MarketingChoice(msgspec.Struct):
    email: bool = False
    sms: bool = False
    push: bool = False


class OtpStartIn(msgspec.Struct):
    identifier: Annotated[str, msgspec.Meta(max_length=254)]
    purpose: Literal["join", "login"] = "join"
    terms_accepted: bool = False
    marketing: MarketingChoice = msgspec.field(default_factory=MarketingChoice)
    store: str | None = None
    via: Literal["poster", "staff"] = "poster"  # with `store`: the store's poster, or its till's join code
    ref: Annotated[str, msgspec.Meta(max_length=16)] | None = None  # a friend's referral code (/r/{code})
    lang: Lang = "nb"


class OtpStartOut(msgspec.Struct):
    channel: str
    destination: str
    expires_in: int
    resend_after: int


class OtpVerifyIn(msgspec.Struct):
    identifier: Annotated[str, msgspec.Meta(max_length=254)]
    code: Annotated[str, msgspec.Meta(max_length=12)]
    device_public_key: Annotated[str, msgspec.Meta(max_length=200)]
    device_label: Annotated[str, msgspec.Meta(max_length=200)] = ""
    terms_accepted: bool | None = None
    marketing: MarketingChoice | None = None
    store: str | None = None


class MemberOut(msgspec.Struct):
    member_number: str
    first_name: str | None
    lang: str
    identifier_masked: str
    profile_completed: bool
    show_profile_prompt: bool


class VerifyOut(msgspec.Struct):
    member: MemberOut
    device_id: str
    new_member: bool
    # A join through a referral link: "recorded", or why it does not count ("self_referral",
    # "unknown_code": no such link, or its member has left). None without a link, or at a login.
    referral: str | None = None


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
