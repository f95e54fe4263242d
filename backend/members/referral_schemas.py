"""What the referral endpoints return."""

from __future__ import annotations

from datetime import datetime

import msgspec

from digital_stampcard.referrals import Status


class MyReferral(msgspec.Struct):
    """A friend who joined through the member's link: when, and what came of it (never who)."""

    joined_at: datetime
    status: Status  # pending: waiting for the friend's first purchase | rewarded | capped | referrer_left
    decided_at: datetime | None


class WhoReferredMe(msgspec.Struct):
    """The member joined through a friend's link: the friend's reward status, not the friend."""

    joined_at: datetime
    status: Status


class ReferralsOut(msgspec.Struct):
    code: str
    link: str  # {PUBLIC_URL}/r/{code}: opens the join page with the referral remembered
    qr_url: str  # the link as an SVG QR code, made on the server
    reward: str  # what the member gets for each friend (the club's referral reward or the program's)
    monthly_cap: int  # rewarded referrals per Oslo calendar month
    rewarded_this_month: int
    referrals: list[MyReferral]  # newest first
    referred_by: WhoReferredMe | None
