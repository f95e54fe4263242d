"""What the member endpoints take and return."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

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
