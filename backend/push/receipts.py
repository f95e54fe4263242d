"""Delivery and open receipts. Each push carries a token for its own delivery row in the URL it
opens (`?n=…`): the service worker reports "received" when the push arrives, the app reports
"opened" when the member taps it. The token is signed, so nobody can count for someone else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

from backend.context import AppContext
from backend.push.tables import PushDelivery
from backend.ratelimit import enforce
from digital_stampcard.errors import DomainError

RECEIPT_PARAM = "n"
_SIG_BYTES = 12
_TOKEN = re.compile(r"[0-9]{1,18}\.[A-Za-z0-9_-]{16}")  # ASCII only: 12 bytes are 16 base64url characters


def _signature(secret: str, delivery_id: int) -> str:
    mac = hmac.new(secret.encode(), f"push-receipt:{delivery_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:_SIG_BYTES]).decode().rstrip("=")


def receipt_token(secret: str, delivery_id: int) -> str:
    return f"{delivery_id}.{_signature(secret, delivery_id)}"


def delivery_from_token(secret: str, token: str) -> int | None:
    """The delivery id a genuine token names, or None (also for any malformed token)."""
    if not _TOKEN.fullmatch(token):
        return None
    head, _, sig = token.partition(".")
    delivery_id = int(head)
    return delivery_id if hmac.compare_digest(sig, _signature(secret, delivery_id)) else None


def with_receipt(path: str, token: str) -> str:
    """`path` with the receipt parameter added (a same-origin path stays one)."""
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != RECEIPT_PARAM]
    query.append((RECEIPT_PARAM, token))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(max_length=60)]
    event: Literal["received", "opened"]


async def record(ctx: AppContext, data: ReceiptIn, ip: str) -> None:
    """The phone got the push, or the member tapped it. Counted once; a replay changes nothing."""
    delivery_id = delivery_from_token(ctx.settings.secret_key, data.token)
    if delivery_id is None:  # only guessing is limited: a genuine token counts once anyway
        await enforce(ctx.limiter, f"push-receipt-invalid:{ip}", 60, 600)
        raise DomainError("invalid_receipt", "This receipt is not valid.")
    now = ctx.clock.now()
    columns = [PushDelivery.received_at]  # an open proves the arrival too, where the phone said nothing
    if data.event == "opened":
        columns.append(PushDelivery.opened_at)
    for column in columns:
        await PushDelivery.update({column: now}).where((PushDelivery.id == delivery_id) & column.is_null())
