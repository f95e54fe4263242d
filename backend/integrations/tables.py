"""Webhook endpoints the owner registers, the events written in the transaction that causes them, and
one delivery row per (event, endpoint): the same outbox pattern as push; and the POS API keys."""

from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import StaffAccount
from backend.club.tables import Store
from backend.columns import JSON


class WebhookEndpoint(Table):
    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it
    url = Varchar(length=500)
    description = Varchar(length=120, default="")
    events = JSON(default=[])  # the event types it wants
    secret = Varchar(length=64)  # HMAC key: we sign with it, so it is kept (shown to the owner once)
    created_by = ForeignKey(references=StaffAccount)
    created_at = Timestamptz()
    disabled_at = Timestamptz(null=True, default=None)


class WebhookEvent(Table):
    id: Serial
    event_id = Varchar(length=40, unique=True)  # what the receiver de-duplicates on
    event = Varchar(length=40)
    payload = JSON(default={})  # the whole body, signed as sent
    created_at = Timestamptz(index=True)


class WebhookDelivery(Table):
    id: Serial
    endpoint = ForeignKey(references=WebhookEndpoint, index=True)
    event = ForeignKey(references=WebhookEvent)
    status = Varchar(length=12, default="pending", index=True)  # pending | sending | delivered | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    locked_until = Timestamptz(null=True, default=None)
    response_status = Integer(null=True, default=None)
    last_error = Varchar(length=300, null=True, default=None)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


class ApiKey(Table):
    id: Serial
    """A POS or web shop's key for one store. Only the key's SHA-256 is kept: the key is long and
    random, so a fast hash is enough, and a lookup by hash compares nothing secret in Python."""

    key_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)  # the key's first characters, to recognise it in the list
    name = Varchar(length=80)
    store = ForeignKey(references=Store)
    scopes = JSON(default=[])
    # The key's own service account (role "pos", no password): the ledger and scans name who acted.
    staff = ForeignKey(references=StaffAccount)
    created_by = ForeignKey(references=StaffAccount)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
