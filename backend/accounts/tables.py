"""Staff and owner accounts, login sessions and one-time codes."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.club.tables import Store
from backend.columns import JSON
from backend.members.tables import Member


class StaffAccount(Table):
    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it
    username = Varchar(length=80, unique=True)
    name = Varchar(length=120)
    password_hash = Varchar(length=200)
    role = Varchar(length=20, default="staff")  # staff | manager | owner
    store = ForeignKey(references=Store, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)  # where invite and reset links go
    disabled_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class WebSession(Table):
    """Server-side session. The cookie holds a random token; only its SHA-256 is stored."""

    id: Serial

    token_hash = Varchar(length=64, unique=True)
    kind = Varchar(length=10)  # member | staff
    member = ForeignKey(references=Member, null=True, default=None, index=True)
    staff = ForeignKey(references=StaffAccount, null=True, default=None, index=True)
    user_agent = Varchar(length=200, default="")
    ip = Varchar(length=64, default="")
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class StaffInvite(Table):
    id: Serial
    """A one-time link by e-mail: a new person sets their username and password (`staff` is null),
    or an existing account gets a new password (a reset). Only the token's SHA-256 is stored."""

    token_hash = Varchar(length=64, unique=True)
    staff = ForeignKey(references=StaffAccount, null=True, default=None, index=True)
    name = Varchar(length=120)
    email = Varchar(length=254, index=True)
    role = Varchar(length=20, default="staff")
    store = ForeignKey(references=Store, null=True, default=None)
    lang = Varchar(length=2, default="nb")
    invited_by = ForeignKey(references=StaffAccount, null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class OtpChallenge(Table):
    id: Serial
    identifier = Varchar(length=254, index=True)
    channel = Varchar(length=10)
    code_hash = Varchar(length=64)
    purpose = Varchar(length=10)
    terms_accepted = Boolean(default=False)
    marketing = JSON(default={})
    store_slug = Varchar(length=60, null=True, default=None)
    member = ForeignKey(references=Member, null=True, default=None)  # purpose "change": whose address it becomes
    signup_source = Varchar(length=10, default="direct")  # what a new member's sign-up is counted as
    referral_code = Varchar(length=16, null=True, default=None)  # the referral link the join page came from
    lang = Varchar(length=2, default="nb")
    attempts = Integer(default=0)
    ip = Varchar(length=64, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class MemberPasskey(Table):
    """A member's WebAuthn credential: a discoverable key on their phone, to log in without a code."""

    id: Serial

    credential_id = Varchar(length=1400, unique=True)  # base64url; authenticators return up to 1023 bytes
    member = ForeignKey(references=Member, index=True)
    public_key = Text()  # base64url of the COSE key
    sign_count = BigInt(default=0)  # the authenticator's 32-bit counter: refused when it goes backwards
    transports = JSON(default=[])
    label = Varchar(length=120, default="")
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)


class PasskeyChallenge(Table):
    """A WebAuthn challenge: used once, for one purpose, briefly; a registration's is bound to its member."""

    id: Serial

    challenge_hash = Varchar(length=64, unique=True)  # SHA-256 of the challenge the browser signs
    purpose = Varchar(length=10)  # register | login
    member = ForeignKey(references=Member, null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    used_at = Timestamptz(null=True, default=None)
