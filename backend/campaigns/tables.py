"""Owner campaigns: the message, who it goes to and when. Released into the push outbox when due."""

from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import StaffAccount
from backend.columns import JSON


class Campaign(Table):
    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it
    title = Varchar(length=60)
    body = Varchar(length=200)
    title_en = Varchar(length=60, null=True, default=None)  # for members who chose English
    body_en = Varchar(length=200, null=True, default=None)
    target = Varchar(length=10, default="offer")  # card | rewards | offer
    channel = Varchar(length=5, default="push")  # best | push | email | sms (digital_stampcard.channels)
    segment = JSON(default={})  # digital_stampcard.segments.Segment, as JSON
    send_at = Timestamptz()  # when everyone outside early access gets it
    early_tiers = JSON(default=[])
    early_lead_minutes = Integer(default=0)
    release_at = Timestamptz(index=True)  # send_at minus the early-access lead: when it enters the outbox
    status = Varchar(length=12, default="scheduled", index=True)  # scheduled | released | cancelled
    created_by = ForeignKey(references=StaffAccount)
    created_at = Timestamptz()
    released_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
