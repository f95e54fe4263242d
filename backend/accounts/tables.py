"""Staff and owner accounts, login sessions and one-time codes."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from backend.club.tables import Store
from backend.members.tables import Member


class StaffAccount(Table):
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
    identifier = Varchar(length=254, index=True)
    channel = Varchar(length=10)
    code_hash = Varchar(length=64)
    purpose = Varchar(length=10)
    terms_accepted = Boolean(default=False)
    marketing = JSON(default={})
    store_slug = Varchar(length=60, null=True, default=None)
    signup_source = Varchar(length=10, default="direct")  # what a new member's sign-up is counted as
    lang = Varchar(length=2, default="nb")
    attempts = Integer(default=0)
    ip = Varchar(length=64, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
