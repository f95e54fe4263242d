"""The house's own records, below every slice: a stored answer per Idempotency-Key."""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class IdempotencyRecord(Table):
    id: Serial
    scope_key = Varchar(length=160, unique=True)  # "staff:<id>:<Idempotency-Key>"
    request_hash = Varchar(length=64)
    response_status = Integer()
    response_body = Text()
    created_at = Timestamptz()
