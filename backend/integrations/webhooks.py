"""Webhook deliveries: written by `backend/outbox.py` in the transaction of what causes them (one per
endpoint that wants the event), then POSTed, signed, by the worker's rounds, with retries and a log
per endpoint.

In production an endpoint must never lead into our own network. The name is resolved once, by the
connection's own resolver (`CheckedResolver`), which hands the connection only addresses that passed the
check: what is checked is what is connected to, so a DNS answer cannot change in between (rebinding). The
Host header and TLS SNI stay the endpoint's name. No redirect is followed. A refused address is a
permanent failure: retrying cannot make it public."""

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
from aiohttp.abc import AbstractResolver, ResolveResult

from backend import metrics
from backend.context import AppContext
from backend.core import leases
from backend.integrations.tables import WebhookDelivery
from digital_stampcard import webhooks as rules
from digital_stampcard.errors import DomainError

log = logging.getLogger("stampcard.webhooks")
LEASE = timedelta(seconds=60)
BATCH = 100
TIMEOUT = aiohttp.ClientTimeout(total=10)


class AddressRefused(Exception):
    """The endpoint leads to an address production must not call (its message says which, never the path)."""


class CheckedResolver(AbstractResolver):
    """Resolves for the connection and checks every address it gets; the connection uses exactly those.
    With `allow_private` (development, tests) every address passes."""

    def __init__(self, *, allow_private: bool, dns: AbstractResolver | None = None) -> None:
        self.allow_private = allow_private
        self.dns = dns or aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.dns.resolve(host, port, family)
        if not self.allow_private:
            for result in found:
                if not rules.is_public_address(result["host"]):
                    raise AddressRefused(f"refused: {host} resolves to {result['host']}, not a public address")
        return found

    async def close(self) -> None:
        await self.dns.close()


def open_session(ctx: AppContext, dns: AbstractResolver | None = None) -> aiohttp.ClientSession:
    """The webhooks' own HTTP client (not the push dispatcher's): every name goes through the check.
    `dns`: where names are looked up (the system's resolver by default)."""
    resolver = CheckedResolver(allow_private=ctx.settings.dev_tools_enabled, dns=dns)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver), timeout=TIMEOUT)


async def deliver_due(ctx: AppContext, session: aiohttp.ClientSession) -> int:
    """Claims due deliveries (SKIP LOCKED on PostgreSQL), POSTs them concurrently, records each answer."""
    ids = await leases.claim(ctx, WebhookDelivery, now=ctx.clock.now(), lease=LEASE, batch=BATCH)
    if not ids:
        return 0
    rows = await WebhookDelivery.select(
        WebhookDelivery.id,
        WebhookDelivery.attempts,
        WebhookDelivery.endpoint,
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
        _check_address(ctx, row["endpoint.url"])
        # No redirect is followed: a public address could bounce the signed POST into our own network.
        async with session.post(
            row["endpoint.url"], data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
        ) as response:
            status = response.status
    except AddressRefused as exc:
        await _refuse(ctx, row, str(exc))
        return
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


def _check_address(ctx: AppContext, url: str) -> None:
    """The checks that need no lookup, again at send time: an IP address or a reserved name in the URL
    itself (an IP address is connected to without asking the resolver)."""
    if ctx.settings.dev_tools_enabled:
        return
    try:
        rules.check_url(url, allow_private=False)
    except DomainError as exc:
        raise AddressRefused(f"refused: {urlsplit(url).hostname} is not a public address") from exc


async def _refuse(ctx: AppContext, row: dict[str, Any], error: str) -> None:
    """Permanent: a private address stays private, so the delivery is failed at once, not retried."""
    log.warning("webhook delivery %s to endpoint %s failed for good: %s", row["id"], row["endpoint"], error)
    await _record(ctx, row, "failed", None, error[:300])


async def _retry_or_fail(ctx: AppContext, row: dict[str, Any], status: int | None, error: str) -> None:
    final = row["attempts"] >= rules.MAX_ATTEMPTS
    metrics.WEBHOOK_FAILURES.labels("yes" if final else "no").inc()
    if final:
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
