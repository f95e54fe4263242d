"""The house's own records, below every slice: a stored answer per Idempotency-Key, and the number
that says whether a process's cached configuration is still current."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class IdempotencyRecord(Table):
    id: Serial
    scope_key = Varchar(length=160, unique=True)  # "staff:<id>:<Idempotency-Key>"
    request_hash = Varchar(length=64)
    response_status = Integer()
    response_body = Text()
    created_at = Timestamptz()


class ConfigGeneration(Table):
    """One row whose `n` moves on with every change to the club's configuration: database triggers on
    program, tier_level, club and webhook_endpoint bump it in the changing transaction (the
    integrations app's raw migration), so no writer can forget. Every process keeps that
    configuration cached while `n` stays the same (`backend.core.config_cache`)."""

    id: Serial
    n = BigInt(default=0)
