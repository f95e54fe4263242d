"""Members, their device keys (for the rotating QR), the consent ledger and referrals."""

from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.club.tables import Store
from backend.columns import JSON


class Member(Table):
    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it
    member_number = Varchar(length=9, unique=True)
    phone = Varchar(length=20, null=True, default=None, unique=True)  # E.164
    email = Varchar(length=254, null=True, default=None, unique=True)
    # A hard bounce or an SMTP 5xx: campaigns skip the address until the member gives a new one.
    email_undeliverable_at = Timestamptz(null=True, default=None)
    first_name = Varchar(length=80, null=True, default=None)
    birthday = Date(null=True, default=None)
    birthday_set_at = Timestamptz(null=True, default=None)  # no birthday reward within 30 days of setting it
    interests = JSON(default=[])
    profile_extra = JSON(default={})  # the business's own profile fields, by key (Club.profile_fields)
    favourite_store = ForeignKey(references=Store, null=True, default=None)
    source_store = ForeignKey(references=Store, null=True, default=None)
    signup_source = Varchar(length=10, default="direct")  # poster | staff | referral | direct (dashboard)
    lang = Varchar(length=2, default="nb")
    push_service_enabled = Boolean(default=True)  # stamp/reward/tier messages; offers follow the consent ledger
    tier_code = Varchar(length=20, default="bronse", index=True)  # tier distribution: an index-only count
    tier_review_at = Timestamptz()
    profile_completed_at = Timestamptz(null=True, default=None)
    profile_prompt_dismissed_at = Timestamptz(null=True, default=None)
    joined_at = Timestamptz(index=True)  # sign-ups per day and week
    last_visit_at = Timestamptz(null=True, default=None)
    left_at = Timestamptz(null=True, default=None)  # "Meld meg ut": the row stays, anonymous, for the aggregates
    referral_code = Varchar(length=16, null=True, default=None, unique=True)  # the member's link /r/{code}
    # Who brought them (see Referral).
    referred_by: ForeignKey["Member"] = ForeignKey(references="self", null=True, default=None)


class MemberDevice(Table):
    """A phone's non-extractable signing key; only the public half is here."""

    id: Serial

    device_id = Varchar(length=10, unique=True)
    member = ForeignKey(references=Member, index=True)
    public_key = Text()  # base64url of the raw uncompressed P-256 point
    label = Varchar(length=120, default="")
    session_id = BigInt(null=True, default=None)
    newest_step = BigInt(null=True, default=None)  # newest QR time step already used
    created_at = Timestamptz()
    last_sync_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class ConsentEvent(Table):
    """Append-only: purpose, granted or withdrawn, text version, time, source."""

    id: Serial

    member = ForeignKey(references=Member, index=True)
    purpose = Varchar(length=40)  # terms | marketing_email | marketing_sms | marketing_push | analysis
    granted = Boolean()
    text_version = Varchar(length=40)
    source = Varchar(length=80)
    created_at = Timestamptz()


class Referral(Table):
    id: Serial
    """A member who joined through another member's link: one per referred member (the unique key that
    makes the referrer's reward come once), decided at the referred member's first staff-given stamp."""

    referrer = ForeignKey(references=Member, index=True)
    referred = ForeignKey(references=Member, unique=True)
    code = Varchar(length=16)  # the link it came through
    status = Varchar(length=16, default="pending")  # pending | rewarded | capped | referrer_left
    reward_id = BigInt(null=True, default=None)  # the referrer's reward (cards.Reward; cards imports members)
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)  # the monthly cap counts rewarded ones by this
