"""Staff and owner accounts, login sessions and one-time codes."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from backend.club.tables import Store
from backend.members.tables import Member


class StaffAccount(Table):
    username = Varchar(length=80, unique=True)
    name = Varchar(length=120)
    password_hash = Varchar(length=200)
    role = Varchar(length=20, default="staff")  # staff | owner
    store = ForeignKey(references=Store, null=True, default=None)
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


class OtpChallenge(Table):
    identifier = Varchar(length=254, index=True)
    channel = Varchar(length=10)
    code_hash = Varchar(length=64)
    purpose = Varchar(length=10)
    terms_accepted = Boolean(default=False)
    marketing = JSON(default={})
    store_slug = Varchar(length=60, null=True, default=None)
    lang = Varchar(length=2, default="nb")
    attempts = Integer(default=0)
    ip = Varchar(length=64, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
