"""Push subscriptions, the notification outbox, one delivery row per (notification, device), and one
per notification that goes by e-mail or SMS instead."""

from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.campaigns.tables import Campaign
from backend.columns import JSON
from backend.members.tables import Member


class PushSubscription(Table):
    """A browser's push endpoint; upserted by endpoint each time the app opens."""

    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it

    member = ForeignKey(references=Member, index=True)
    endpoint = Varchar(length=1000, unique=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=64)
    vapid_key_id = Varchar(length=32)  # re-subscribe when the server key changes
    user_agent = Varchar(length=200, default="")
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    flagged_at = Timestamptz(null=True, default=None)  # 400/403/413 from the push service
    flag_reason = Varchar(length=200, null=True, default=None)


class Notification(Table):
    """The transactional outbox: written in the same transaction as the event that causes it."""

    id: Serial

    member = ForeignKey(references=Member, index=True)
    kind = Varchar(length=30)
    dedupe_key = Varchar(length=160, unique=True)  # one notification per event
    data = JSON(default={})
    created_at = Timestamptz()
    due_at = Timestamptz(index=True)
    status = Varchar(length=12, default="pending", index=True)  # pending | expanded | skipped
    skip_reason = Varchar(length=40, null=True, default=None)
    campaign = ForeignKey(references=Campaign, null=True, default=None, index=True)


class PushDelivery(Table):
    """One message to one device. Claimed by a dispatcher; the unique key stops a double fan-out."""

    id: Serial

    notification = ForeignKey(references=Notification, index=True)
    subscription = ForeignKey(references=PushSubscription, null=True, default=None, on_delete=OnDelete.set_null)
    delivery_key = Varchar(length=60, unique=True)  # "notification:subscription"
    status = Varchar(length=12, default="pending", index=True)  # pending | sending | sent | failed | gone
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    locked_until = Timestamptz(null=True, default=None)
    response_status = Integer(null=True, default=None)
    last_error = Varchar(length=300, null=True, default=None)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)  # the service worker got it (where it reports)
    opened_at = Timestamptz(null=True, default=None)  # the member tapped it


class MessageDelivery(Table):
    """A notification that goes by e-mail or SMS instead of push: one row per (notification, channel),
    the leased outbox the worker sends from (`backend.push.messages`)."""

    id: Serial

    notification = ForeignKey(references=Notification, index=True)
    member = ForeignKey(references=Member, index=True)
    channel = Varchar(length=5)  # email | sms
    delivery_key = Varchar(length=40, unique=True)  # "notification:channel"
    # pending | sending | sent | failed | bounced | withdrawn
    status = Varchar(length=12, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    locked_until = Timestamptz(null=True, default=None)
    # Set before the first try and kept for the retries: the gateway (and the delivery reports) know the
    # message by it, and a gateway that dedupes by reference never sends a retry twice.
    reference = Varchar(length=36, null=True, default=None, unique=True)
    last_error = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
