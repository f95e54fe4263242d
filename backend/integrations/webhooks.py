"""Webhook deliveries: written by `backend/outbox.py` in the transaction of what causes them (one per
endpoint that wants the event), then POSTed, signed, by the worker's rounds, with retries and a log
per endpoint."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from backend.context import AppContext
from backend.core import leases
from backend.integrations.tables import WebhookDelivery
from digital_stampcard import webhooks as rules

log = logging.getLogger("stampcard.webhooks")
LEASE = timedelta(seconds=60)
BATCH = 100
TIMEOUT = aiohttp.ClientTimeout(total=10)


async def deliver_due(ctx: AppContext, session: aiohttp.ClientSession) -> int:
    """Claims due deliveries (SKIP LOCKED on PostgreSQL), POSTs them concurrently, records each answer."""
    ids = await leases.claim(ctx, WebhookDelivery, now=ctx.clock.now(), lease=LEASE, batch=BATCH)
    if not ids:
        return 0
    rows = await WebhookDelivery.select(
        WebhookDelivery.id,
        WebhookDelivery.attempts,
        WebhookDelivery.endpoint.url,
        WebhookDelivery.endpoint.secret,
        WebhookDelivery.endpoint.disabled_at,
        WebhookDelivery.event.event,
        WebhookDelivery.event.event_id,
        WebhookDelivery.event.payload,
    ).where(WebhookDelivery.id.is_in(ids))
    await asyncio.gather(*(_deliver(ctx, session, row) for row in rows))
    return len(rows)


async def _deliver(ctx: AppContext, session: aiohttp.ClientSession, row: dict[str, Any]) -> None:
    if row["endpoint.disabled_at"] is not None:
        await _record(ctx, row, "failed", None, "endpoint disabled")
        return
    payload = row["event.payload"]
    body = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
    timestamp = int(ctx.clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "DigitalStampcard-Webhooks/1",
        "Stampcard-Event": row["event.event"],
        "Stampcard-Delivery": str(row["id"]),
        "Stampcard-Signature": rules.sign(row["endpoint.secret"], timestamp, body),
    }
    try:
        await _refuse_private_address(ctx, row["endpoint.url"])
        # No redirect is followed: a public address could bounce the signed POST into our own network.
        async with session.post(
            row["endpoint.url"], data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
        ) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        await _retry_or_fail(ctx, row, None, str(exc)[:300] or type(exc).__name__)
        return
    if 200 <= status < 300:
        await _record(ctx, row, "delivered", status, None)
    elif 300 <= status < 400:
        error = f"answered {status}, a redirect: not followed (register the final address)"
        await _retry_or_fail(ctx, row, status, error)
    else:
        await _retry_or_fail(ctx, row, status, f"answered {status}")


async def _refuse_private_address(ctx: AppContext, url: str) -> None:
    """In production a name must not resolve to our own network (checked when sending, not only when saved)."""
    if ctx.settings.dev_tools_enabled:
        return
    host = urlsplit(url).hostname or ""
    infos = await asyncio.get_running_loop().getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    for info in infos:
        rules.check_url(f"https://{info[4][0]}/", allow_private=False)


async def _retry_or_fail(ctx: AppContext, row: dict[str, Any], status: int | None, error: str) -> None:
    if row["attempts"] >= rules.MAX_ATTEMPTS:
        await _record(ctx, row, "failed", status, f"gave up after {row['attempts']} attempts: {error}")
        return
    delay = rules.retry_delay(row["attempts"], random.random())
    await WebhookDelivery.update(
        {
            WebhookDelivery.status: "pending",
            WebhookDelivery.next_attempt_at: ctx.clock.now() + timedelta(seconds=delay),
            WebhookDelivery.locked_until: None,
            WebhookDelivery.response_status: status,
            WebhookDelivery.last_error: error,
        }
    ).where(WebhookDelivery.id == row["id"])


async def _record(ctx: AppContext, row: dict[str, Any], status: str, code: int | None, error: str | None) -> None:
    await WebhookDelivery.update(
        {
            WebhookDelivery.status: status,
            WebhookDelivery.response_status: code,
            WebhookDelivery.last_error: error,
            WebhookDelivery.locked_until: None,
            WebhookDelivery.delivered_at: ctx.clock.now() if status == "delivered" else None,
        }
    ).where(WebhookDelivery.id == row["id"])
