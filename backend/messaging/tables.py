"""Messages sent to members. In development the outbox is where codes are read."""

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxMessage(Table):
    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it
    channel = Varchar(length=10)  # sms | email
    to_address = Varchar(length=254, index=True)
    subject = Varchar(length=200, default="")
    body = Text()
    transport = Varchar(length=20)  # outbox | console | smtp
    created_at = Timestamptz()


class SmsMessage(Table):
    """One SMS handed to the gateway, and what its delivery reports said. The number is kept masked
    only: the reports are matched by the gateway's id or our reference, never by number."""

    id: Serial
    reference = Varchar(length=36, unique=True)  # ours (a UUID), sent along where the gateway echoes it
    purpose = Varchar(length=20)  # code
    to_masked = Varchar(length=24)
    segments = Integer()
    encoding = Varchar(length=5)  # GSM-7 | UCS-2
    gateway = Varchar(length=20)
    gateway_message_id = Varchar(length=100, null=True, default=None, index=True)
    status = Varchar(length=12, index=True)  # queued | sent | delivered | failed | rejected (never taken)
    error = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz(index=True)
    status_at = Timestamptz(null=True, default=None)

