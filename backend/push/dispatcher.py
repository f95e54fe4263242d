"""Sends the outbox off the request path: expands due notifications into one delivery per device,
claims deliveries (SKIP LOCKED on PostgreSQL, so several workers never take the same one), sends
them concurrently on one aiohttp session and records what the push service said."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from pywebpush import WebPusher

from backend.context import AppContext
from backend.db import is_postgres, write_transaction
from backend.members.registry import current_consents
from backend.members.tables import Member
from backend.push.schedules import enqueue_due
from backend.push.tables import Notification, PushDelivery, PushSubscription
from backend.push.vapid import VapidIdentity
from digital_stampcard import notifications as rules

log = logging.getLogger("stampcard.push")
CLAIM_LEASE = timedelta(seconds=60)  # a crashed worker's claims come back after this
SCAN_EVERY = timedelta(minutes=10)
GONE = {404, 410}
BAD_SUBSCRIPTION = {400, 403, 413}


class Dispatcher:
    def __init__(self, ctx: AppContext, identity: VapidIdentity, *, concurrency: int = 64, batch: int = 500) -> None:
        self.ctx, self.identity = ctx, identity
        self.batch, self.semaphore = batch, asyncio.Semaphore(concurrency)
        self.session: aiohttp.ClientSession | None = None
        self.policy = rules.PushPolicy()

    async def __aenter__(self) -> Dispatcher:
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        next_scan = self.ctx.clock.now()
        while not stop.is_set():
            try:
                if self.ctx.clock.now() >= next_scan:  # time-based messages: expiring rewards, birthdays...
                    await enqueue_due(self.ctx, self.ctx.clock.now())
                    next_scan = self.ctx.clock.now() + SCAN_EVERY
                busy = await self.run_once()
            except Exception:  # keep the loop alive; the outbox keeps the work
                log.exception("dispatcher round failed")
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)

    async def run_once(self) -> int:
        """One round: expand what is due, send what is claimable. Returns how much was done."""
        expanded = await self.expand_due()
        claimed = await self.claim()
        await asyncio.gather(*(self._send(row) for row in claimed))
        return expanded + len(claimed)

    async def expand_due(self) -> int:
        now = self.ctx.clock.now()
        async with write_transaction(self.ctx.engine):
            rows = await _locked(
                self.ctx,
                "SELECT id, member, kind, data, created_at FROM notification "
                "WHERE status = 'pending' AND due_at <= {} ORDER BY id LIMIT {}",
                now,
                self.batch,
            )
            for row in rows:
                await self._expand(row, now)
        return len(rows)

    async def _expand(self, row: dict[str, Any], now: datetime) -> None:
        member = await Member.objects().where(Member.id == row["member"]).first()
        kind = row["kind"]
        if member is None:
            await _set_status(row["id"], "skipped", "member_gone")
            return
        consents = await current_consents(member.id)
        sent = await _marketing_times(member.id, row["id"], now) if rules.is_marketing(kind) else []
        state = rules.MemberPushState(member.push_service_enabled, consents.get("marketing_push", False), sent)
        decision = rules.decide(kind, now, state, self.policy)
        if decision.action == "skip":
            await _set_status(row["id"], "skipped", decision.reason)
            return
        if decision.action == "defer":
            await Notification.update({Notification.due_at: decision.send_at}).where(Notification.id == row["id"])
            return
        subscriptions = await PushSubscription.select(PushSubscription.id).where(
            (PushSubscription.member == member.id) & PushSubscription.flagged_at.is_null()
        )
        for sub in subscriptions:
            await PushDelivery.insert(
                PushDelivery(
                    notification=row["id"],
                    subscription=sub["id"],
                    delivery_key=f"{row['id']}:{sub['id']}",
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        await _set_status(row["id"], "expanded" if subscriptions else "skipped", None if subscriptions else "no_device")

    async def claim(self) -> list[dict[str, Any]]:
        now = self.ctx.clock.now()
        async with write_transaction(self.ctx.engine):
            rows = await _locked(
                self.ctx,
                "SELECT id, attempts FROM push_delivery WHERE (status = 'pending' AND next_attempt_at <= {}) "
                "OR (status = 'sending' AND locked_until < {}) ORDER BY id LIMIT {}",
                now,
                now,
                self.batch,
            )
            ids = [r["id"] for r in rows]
            if ids:
                await PushDelivery.update(
                    {
                        PushDelivery.status: "sending",
                        PushDelivery.locked_until: now + CLAIM_LEASE,
                        PushDelivery.attempts: PushDelivery.attempts + 1,
                    }
                ).where(PushDelivery.id.is_in(ids))
        if not ids:
            return []
        return (
            await PushDelivery.select(
                PushDelivery.id,
                PushDelivery.attempts,
                PushDelivery.notification.kind,
                PushDelivery.notification.data,
                PushDelivery.notification.member.lang,
                PushDelivery.subscription.id,
                PushDelivery.subscription.endpoint,
                PushDelivery.subscription.p256dh,
                PushDelivery.subscription.auth,
            )
            .where(PushDelivery.id.is_in(ids))
            .output(load_json=True)
        )

    async def _send(self, row: dict[str, Any]) -> None:
        if row["subscription.id"] is None:  # the device unsubscribed meanwhile
            await _finish(row["id"], "gone", None, "subscription removed")
            return
        kind = row["notification.kind"]
        data = row["notification.data"] or {}
        note = rules.render(kind, row["notification.member.lang"] or "nb", data)
        payload = json.dumps(rules.declarative_payload(note, origin=self.ctx.settings.public_url)).encode()
        delivery = rules.delivery_for(kind)
        headers = self.identity.headers_for(row["subscription.endpoint"])
        headers["Urgency"] = delivery.urgency
        if delivery.topic:
            headers["Topic"] = delivery.topic
        info = {
            "endpoint": row["subscription.endpoint"],
            "keys": {"p256dh": row["subscription.p256dh"], "auth": row["subscription.auth"]},
        }
        async with self.semaphore:
            try:
                response = await WebPusher(info, aiohttp_session=self.session).send_async(
                    payload,
                    headers=headers,
                    ttl=delivery.ttl,
                    content_encoding="aes128gcm",
                    timeout=aiohttp.ClientTimeout(total=15),
                )
                status, retry_after = response.status, _retry_after(response.headers.get("Retry-After"))
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                status, retry_after = 0, None
                log.info("push to %s failed: %s", row["subscription.endpoint"][:60], exc)
        await self._record(row, status, retry_after)

    async def _record(self, row: dict[str, Any], status: int, retry_after: float | None) -> None:
        now = self.ctx.clock.now()
        if 200 <= status < 300:
            await _finish(row["id"], "sent", status, None, sent_at=now)
        elif status in GONE:
            await PushSubscription.delete().where(PushSubscription.id == row["subscription.id"])
            await _finish(row["id"], "gone", status, "subscription expired")
        elif status in BAD_SUBSCRIPTION:
            await PushSubscription.update(
                {
                    PushSubscription.flagged_at: now,
                    PushSubscription.flag_reason: f"push service answered {status}",
                }
            ).where(PushSubscription.id == row["subscription.id"])
            await _finish(row["id"], "failed", status, f"refused with {status}")
            log.warning("push subscription %s flagged: %s", row["subscription.id"], status)
        elif row["attempts"] >= rules.MAX_ATTEMPTS:
            await _finish(row["id"], "failed", status or None, f"gave up after {row['attempts']} attempts")
        else:  # 429, 5xx, network: later, honouring Retry-After, with backoff and jitter
            delay = rules.retry_delay(row["attempts"], retry_after, random.random())
            await PushDelivery.update(
                {
                    PushDelivery.status: "pending",
                    PushDelivery.next_attempt_at: now + timedelta(seconds=delay),
                    PushDelivery.locked_until: None,
                    PushDelivery.response_status: status or None,
                }
            ).where(PushDelivery.id == row["id"])


async def _locked(ctx: AppContext, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows for this worker only: PostgreSQL skips rows another worker holds; SQLite has one writer."""
    if is_postgres(ctx.engine):
        sql += " FOR UPDATE SKIP LOCKED"
    return await Notification.raw(sql, *args)


async def _marketing_times(member_id: int, this_id: int, now: datetime) -> list[datetime]:
    """When this member's other marketing pushes went out (or are due), a week either side of now."""
    rows = await Notification.select(Notification.due_at).where(
        (Notification.member == member_id)
        & Notification.kind.is_in(sorted(rules.MARKETING_KINDS))
        & (Notification.status == "expanded")
        & (Notification.id != this_id)
        & (Notification.due_at >= now - rules.CAP_WINDOW)
        & (Notification.due_at <= now + rules.CAP_WINDOW)
    )
    return [r["due_at"] for r in rows]


async def _set_status(notification_id: int, status: str, reason: str | None) -> None:
    await Notification.update({Notification.status: status, Notification.skip_reason: reason}).where(
        Notification.id == notification_id
    )


async def _finish(
    delivery_id: int, status: str, code: int | None, error: str | None, sent_at: datetime | None = None
) -> None:
    await PushDelivery.update(
        {
            PushDelivery.status: status,
            PushDelivery.response_status: code,
            PushDelivery.last_error: error,
            PushDelivery.sent_at: sent_at,
            PushDelivery.locked_until: None,
        }
    ).where(PushDelivery.id == delivery_id)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
