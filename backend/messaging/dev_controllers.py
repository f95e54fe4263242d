"""Development and test only: read the messages the dev outbox would have sent."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime

import msgspec
from litestar import Controller, get
from litestar.params import FromQuery

from backend.messaging.tables import OutboxMessage
from digital_stampcard.errors import DomainError
from digital_stampcard.identifiers import parse_identifier

CODE_PATTERN = re.compile(r"\b(\d{6})\b")


class OutboxOut(msgspec.Struct):
    to: str
    channel: str
    subject: str
    body: str
    code: str | None
    created_at: datetime


class DevOutboxController(Controller):
    path = "/api/dev"
    tags = ["development"]
    include_in_schema = False

    @get("/outbox", operation_id="readDevOutbox")
    async def outbox(self, to: FromQuery[str | None] = None) -> list[OutboxOut]:
        query = OutboxMessage.objects().order_by(OutboxMessage.id, ascending=False).limit(20)
        if to:
            with contextlib.suppress(DomainError):
                to = parse_identifier(to).value  # the app may pass what the member typed
            query = query.where(OutboxMessage.to_address == to)
        rows = await query
        return [OutboxOut(r.to_address, r.channel, r.subject, r.body, _code(r.body), r.created_at) for r in rows]


def _code(body: str) -> str | None:
    found = CODE_PATTERN.search(body)
    return found.group(1) if found else None
