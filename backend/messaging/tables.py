"""Messages sent to members. In development the outbox is where codes are read."""

from piccolo.columns import Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxMessage(Table):
    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it
    channel = Varchar(length=10)  # sms | email
    to_address = Varchar(length=254, index=True)
    subject = Varchar(length=200, default="")
    body = Text()
    transport = Varchar(length=20)  # outbox | console | smtp
    created_at = Timestamptz()
