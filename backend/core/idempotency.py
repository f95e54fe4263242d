"""Idempotency-Key handling, the one module for it: the header's type, and `run_idempotent`, which
stores the key, a hash of the request and the answer in the same transaction as the change, so a
retry returns the very same bytes and never acts twice."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Response
from litestar.params import HeaderParameter

from backend.context import AppContext
from backend.core.tables import IdempotencyRecord
from backend.db import UNIQUE_VIOLATIONS, write_transaction
from digital_stampcard.errors import DomainError

MAX_KEY_LENGTH = 100
_KEY_HELP = "A fresh UUID per action; the same one on a retry, which then answers the first response."

IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False, description=_KEY_HELP)]
# The POS API asks for it in its schema too: a machine reads the schema, and retries are its job.
RequiredIdempotencyKey = Annotated[str, HeaderParameter(name="Idempotency-Key", required=True, description=_KEY_HELP)]


class StoredResponse(msgspec.Struct, frozen=True):
    status: int
    body: bytes

    def response(self) -> Response[Any]:
        """The stored answer, byte for byte."""
        return Response(content=self.body, status_code=self.status, media_type="application/json")


def request_hash(body: Any) -> str:
    return hashlib.sha256(msgspec.json.encode(body, order="sorted")).hexdigest()


def check_key(key: str | None) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            "validation_error", "Send an Idempotency-Key header (at most 100 characters) with this request."
        )
    return key


async def run_idempotent(
    ctx: AppContext, scope: str, key: str | None, body: Any, action: Callable[[], Awaitable[Any]], status: int = 200
) -> StoredResponse:
    """Runs `action` inside a write transaction at most once per (scope, key)."""
    scope_key = f"{scope}:{check_key(key)}"
    digest = request_hash(body)
    for _ in range(2):  # the second round reads what a concurrent twin committed
        try:
            async with write_transaction(ctx.engine):
                # Claimed first, in one statement: a concurrent twin's claim waits on the unique key
                # until we commit, then finds our row and answers what we stored.
                claimed = (
                    await IdempotencyRecord.insert(
                        IdempotencyRecord(
                            scope_key=scope_key,
                            request_hash=digest,
                            response_status=0,
                            response_body="",
                            created_at=ctx.clock.now(),
                        )
                    )
                    .on_conflict(target=IdempotencyRecord.scope_key, action="DO NOTHING")
                    .returning(IdempotencyRecord.id)
                )
                if not claimed:
                    stored = await _stored(scope_key, digest)
                    if stored is not None:
                        return stored
                    continue  # the twin's row went with its rollback: claim again
                result = await action()
                encoded = msgspec.json.encode(result)
                await IdempotencyRecord.update(
                    {IdempotencyRecord.response_status: status, IdempotencyRecord.response_body: encoded.decode()}
                ).where(IdempotencyRecord.scope_key == scope_key)
                return StoredResponse(status, encoded)
        except UNIQUE_VIOLATIONS as exc:
            if "idempotency" not in str(exc).lower() and "scope_key" not in str(exc).lower():
                raise
    raise DomainError("idempotency_in_flight", "The same request is still being processed. Try again.", kind="conflict")


async def _stored(scope_key: str, digest: str) -> StoredResponse | None:
    row = await IdempotencyRecord.objects().where(IdempotencyRecord.scope_key == scope_key).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise DomainError("idempotency_conflict", "This Idempotency-Key was already used for a different request.")
    if row.response_status == 0:
        raise DomainError(
            "idempotency_in_flight", "The same request is still being processed. Try again.", kind="conflict"
        )
    return StoredResponse(row.response_status, row.response_body.encode())
