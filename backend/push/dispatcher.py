"""Sends the outbox off the request path, a batch at a time.

A round expands due notifications into one delivery per device (a few bulk reads, the pure push policy
per notification, one bulk insert), claims a batch of deliveries (SKIP LOCKED on PostgreSQL, so several
workers never take the same one), sends them concurrently on one aiohttp session and records the push
service's answers in grouped UPDATEs while the rest of the batch is still in flight.

Delivery is at least once: a worker killed after the push service accepted a message but before the
answer was recorded sends it again once the claim's lease runs out. Such a copy has the same Topic,
tag and receipt token, so the push service and the phone replace the first copy with it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

import aiohttp
import msgspec
from pywebpush import WebPusher

from backend.context import AppContext
from backend.db import is_postgres, write_transaction
from backend.members.tables import ConsentEvent, Member
from backend.push.receipts import receipt_token, with_receipt
from backend.push.schedules import enqueue_due
from backend.push.tables import Notification, PushDelivery, PushSubscription
from backend.push.vapid import VapidIdentity
from digital_stampcard import notifications as rules
from digital_stampcard.errors import DomainError

log = logging.getLogger("stampcard.push")
SCAN_EVERY = timedelta(minutes=10)
GONE = {404, 410}
BAD_SUBSCRIPTION = {400, 403, 413}
INSERT_CHUNK = 1000  # rows per INSERT: 14 columns each stays under SQLite's and asyncpg's parameter limits
RECORD_TRIES = 3
SEND_TIMEOUT = aiohttp.ClientTimeout(total=15)


class Claimed(NamedTuple):
    """A delivery this worker holds the lease on, with what it takes to send it."""

    id: int
    attempts: int
    kind: rules.Kind
    data: str  # the notification's data as JSON text: equal texts render once
    lang: str
    subscription_id: int | None  # None: the device unsubscribed since the fan-out
    endpoint: str
    p256dh: str
    auth: str


class Outcome(NamedTuple):
    delivery_id: int
    subscription_id: int | None
    attempts: int
    status: int  # the push service's HTTP status; 0: no answer (network error, timeout) or not sent
    retry_after: float | None = None
    problem: str | None = None  # could not be sent at all, and never will be


class Message(NamedTuple):
    """One notification rendered once for every delivery that shares its kind, language and data."""

    note: rules.Notification
    delivery: rules.Delivery


class Dispatcher:
    def __init__(self, ctx: AppContext, identity: VapidIdentity, *, concurrency: int = 64, batch: int = 500) -> None:
        self.ctx, self.identity = ctx, identity
        self.batch, self.semaphore = batch, asyncio.Semaphore(concurrency)
        self.lease = timedelta(seconds=ctx.settings.push_claim_lease_seconds)  # a dead worker's claims come back
        self.session: aiohttp.ClientSession | None = None
        self.policy = rules.PushPolicy()

    async def __aenter__(self) -> Dispatcher:
        self.session = aiohttp.ClientSession(timeout=SEND_TIMEOUT)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Rounds until `stop` is set. A round in flight always ends with every send recorded."""
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
        await self.send(claimed)
        return expanded + len(claimed)

    # --- fan-out ------------------------------------------------------------------------------------

    async def expand_due(self) -> int:
        now = self.ctx.clock.now()
        async with write_transaction(self.ctx.engine):
            rows = await _locked(
                self.ctx,
                "SELECT id, member, kind FROM notification WHERE status = 'pending' AND due_at <= {} "
                "ORDER BY id LIMIT {}",
                now,
                self.batch,
            )
            if rows:
                await self._expand(rows, now)
        return len(rows)

    async def _expand(self, rows: list[dict[str, Any]], now: datetime) -> None:
        """Decides each notification with the push policy and writes the outcome, in bulk."""
        members = {r["member"] for r in rows}
        marketing = {r["member"] for r in rows if rules.is_marketing(r["kind"])}
        service_enabled = await _service_enabled(members)
        consents = await _marketing_consents(marketing)
        sent_or_due = await _marketing_times(marketing, now)
        statuses: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        deferred: dict[datetime, list[int]] = defaultdict(list)
        sending = []
        for row in rows:
            member, kind = row["member"], row["kind"]
            if member not in service_enabled:
                statuses["skipped", "member_gone"].append(row["id"])
                continue
            times = sent_or_due[member] if rules.is_marketing(kind) else []
            state = rules.MemberPushState(service_enabled[member], consents.get(member, False), list(times))
            decision = rules.decide(kind, now, state, self.policy)
            if decision.action == "skip":
                statuses["skipped", decision.reason].append(row["id"])
                continue
            times.append(decision.send_at)  # the cap counts what this batch sends or schedules, too
            if decision.action == "defer":
                deferred[decision.send_at].append(row["id"])
            else:
                sending.append(row)
        devices = await _devices({r["member"] for r in sending})
        deliveries = []
        for row in sending:
            subscriptions = devices.get(row["member"], [])
            statuses[("expanded", None) if subscriptions else ("skipped", "no_device")].append(row["id"])
            deliveries += [
                PushDelivery(
                    notification=row["id"],
                    subscription=sub_id,
                    delivery_key=f"{row['id']}:{sub_id}",
                    next_attempt_at=now,
                    created_at=now,
                )
                for sub_id in subscriptions
            ]
        for chunk in _chunks(deliveries, INSERT_CHUNK):  # a re-run after a crash adds nothing twice
            await PushDelivery.insert(*chunk).on_conflict(target=PushDelivery.delivery_key, action="DO NOTHING")
        for send_at, ids in deferred.items():
            await Notification.update({Notification.due_at: send_at}).where(Notification.id.is_in(ids))
        for (status, reason), ids in statuses.items():
            await Notification.update({Notification.status: status, Notification.skip_reason: reason}).where(
                Notification.id.is_in(ids)
            )

    # --- claim, send, record --------------------------------------------------------------------------

    async def claim(self) -> list[Claimed]:
        now = self.ctx.clock.now()
        async with write_transaction(self.ctx.engine):
            rows = await _locked(
                self.ctx,
                "SELECT id FROM push_delivery WHERE (status = 'pending' AND next_attempt_at <= {}) "
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
                        PushDelivery.locked_until: now + self.lease,
                        PushDelivery.attempts: PushDelivery.attempts + 1,
                    }
                ).where(PushDelivery.id.is_in(ids))
        if not ids:
            return []
        rows = await PushDelivery.select(
            PushDelivery.id,
            PushDelivery.attempts,
            PushDelivery.notification.kind,
            PushDelivery.notification.data,
            PushDelivery.notification.member.lang,
            PushDelivery.subscription.id,
            PushDelivery.subscription.endpoint,
            PushDelivery.subscription.p256dh,
            PushDelivery.subscription.auth,
        ).where(PushDelivery.id.is_in(ids))
        return [
            Claimed(
                id=r["id"],
                attempts=r["attempts"],
                kind=r["notification.kind"],
                data=r["notification.data"],
                lang=r["notification.member.lang"] or "nb",
                subscription_id=r["subscription.id"],
                endpoint=r["subscription.endpoint"],
                p256dh=r["subscription.p256dh"],
                auth=r["subscription.auth"],
            )
            for r in rows
        ]

    async def send(self, claimed: Sequence[Claimed]) -> None:
        """Sends a claimed batch concurrently (bounded by the semaphore) and records the answers as they
        come: whatever finished while the previous write ran goes in the next one. Returns when all of
        them are recorded, so a worker that stops between rounds leaves nothing unrecorded."""
        recorder = _Recorder(self._record)
        messages: dict[tuple[str, str, str], Message | str] = {}

        async def one(row: Claimed) -> None:
            recorder.add(await self._send(row, messages))

        try:
            await asyncio.gather(*(one(row) for row in claimed))
        finally:
            await recorder.drained()

    def _message(self, row: Claimed, cache: dict[tuple[str, str, str], Message | str]) -> Message | str:
        """The rendered text and headers for this row (once per kind, language and data), or why not."""
        key = (row.kind, row.lang, row.data)
        if key not in cache:
            try:
                data = json.loads(row.data) if row.data else {}
                cache[key] = Message(rules.render(row.kind, row.lang, data), rules.delivery_for(row.kind, data))
            except (DomainError, ValueError, TypeError) as exc:
                cache[key] = f"cannot build the message: {exc}"[:300]
        return cache[key]

    async def _send(self, row: Claimed, messages: dict[tuple[str, str, str], Message | str]) -> Outcome:
        if row.subscription_id is None:  # the device unsubscribed meanwhile
            return Outcome(row.id, None, row.attempts, 0)
        message = self._message(row, messages)
        if isinstance(message, str):
            return Outcome(row.id, row.subscription_id, row.attempts, 0, problem=message)
        # The receipt token names this delivery: the service worker and the app report it back.
        navigate = with_receipt(message.note.navigate, receipt_token(self.ctx.settings.secret_key, row.id))
        note = msgspec.structs.replace(message.note, navigate=navigate)
        payload = json.dumps(rules.declarative_payload(note, origin=self.ctx.settings.public_url)).encode()
        headers = self.identity.headers_for(row.endpoint)
        headers["Urgency"] = message.delivery.urgency
        if message.delivery.topic:
            headers["Topic"] = message.delivery.topic
        info = {"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}}
        async with self.semaphore:
            try:
                response = await WebPusher(info, aiohttp_session=self.session).send_async(
                    payload,
                    headers=headers,
                    ttl=message.delivery.ttl,
                    content_encoding="aes128gcm",
                    timeout=SEND_TIMEOUT,
                )
                response = cast(aiohttp.ClientResponse, response)  # a str only when asked for curl
                status, retry_after = response.status, _retry_after(response.headers.get("Retry-After"))
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                status, retry_after = 0, None
                log.info("push to %s failed: %s", row.endpoint[:60], exc)
        return Outcome(row.id, row.subscription_id, row.attempts, status, retry_after)

    async def _record(self, outcomes: list[Outcome]) -> None:
        """Writes what the push service said, one UPDATE per kind of answer (retries one by one: each has
        its own jittered time). 404/410 delete the subscription; 400/403/413 flag it; 429, 5xx and network
        errors are retried later, honouring Retry-After, until `rules.MAX_ATTEMPTS`."""
        now = self.ctx.clock.now()
        sent: dict[int, list[int]] = defaultdict(list)  # HTTP status -> delivery ids
        done: dict[tuple[str, int | None, str], list[int]] = defaultdict(list)  # (status, code, error) -> ids
        gone_subscriptions: list[int] = []
        flagged: dict[int, list[int]] = defaultdict(list)  # HTTP status -> subscription ids
        retries: list[tuple[int, datetime, int | None]] = []
        for o in outcomes:
            if o.subscription_id is None:
                done["gone", None, "subscription removed"].append(o.delivery_id)
            elif o.problem is not None:
                done["failed", None, o.problem].append(o.delivery_id)
                log.error("push delivery %s cannot be sent: %s", o.delivery_id, o.problem)
            elif 200 <= o.status < 300:
                sent[o.status].append(o.delivery_id)
            elif o.status in GONE:
                gone_subscriptions.append(o.subscription_id)
                done["gone", o.status, "subscription expired"].append(o.delivery_id)
            elif o.status in BAD_SUBSCRIPTION:
                flagged[o.status].append(o.subscription_id)
                done["failed", o.status, f"refused with {o.status}"].append(o.delivery_id)
                log.warning("push subscription %s flagged: %s", o.subscription_id, o.status)
            elif o.attempts >= rules.MAX_ATTEMPTS:
                done["failed", o.status or None, f"gave up after {o.attempts} attempts"].append(o.delivery_id)
            else:  # 429, 5xx, network: later, honouring Retry-After, with backoff and jitter
                delay = rules.retry_delay(o.attempts, o.retry_after, random.random())
                retries.append((o.delivery_id, now + timedelta(seconds=delay), o.status or None))
        async with write_transaction(self.ctx.engine):
            for code, ids in sent.items():
                await _finish(ids, "sent", code, None, sent_at=now)
            if gone_subscriptions:
                await PushSubscription.delete().where(PushSubscription.id.is_in(gone_subscriptions))
            for code, subscription_ids in flagged.items():
                await PushSubscription.update(
                    {PushSubscription.flagged_at: now, PushSubscription.flag_reason: f"push service answered {code}"}
                ).where(PushSubscription.id.is_in(subscription_ids))
            for (status, code, error), ids in done.items():
                await _finish(ids, status, code, error)
            for delivery_id, at, code in retries:
                await PushDelivery.update(
                    {
                        PushDelivery.status: "pending",
                        PushDelivery.next_attempt_at: at,
                        PushDelivery.locked_until: None,
                        PushDelivery.response_status: code,
                    }
                ).where(PushDelivery.id == delivery_id)


class _Recorder:
    """Records outcomes as they arrive: one write at a time, each taking everything that has arrived
    since the previous one began. A failed write is tried again; results wait only for the write ahead."""

    def __init__(self, record: Callable[[list[Outcome]], Awaitable[None]]) -> None:
        self.record = record
        self.waiting: list[Outcome] = []
        self.task: asyncio.Task[None] | None = None

    def add(self, outcome: Outcome) -> None:
        self.waiting.append(outcome)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())

    async def drained(self) -> None:
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def _drain(self) -> None:
        while self.waiting:
            chunk, self.waiting = self.waiting, []
            for attempt in range(1, RECORD_TRIES + 1):
                try:
                    await self.record(chunk)
                    break
                except Exception:  # e.g. a deadlock abort: the transaction rolled back, so do it again
                    if attempt == RECORD_TRIES:  # the lease brings these back: they are sent again
                        log.exception("could not record %d push results", len(chunk))
                    else:
                        await asyncio.sleep(0.1 * attempt)


async def _locked(ctx: AppContext, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows for this worker only: PostgreSQL skips rows another worker holds; SQLite has one writer."""
    if is_postgres(ctx.engine):
        sql += " FOR UPDATE SKIP LOCKED"
    return await Notification.raw(sql, *args)


async def _service_enabled(member_ids: Iterable[int]) -> dict[int, bool]:
    rows = await Member.select(Member.id, Member.push_service_enabled).where(Member.id.is_in(sorted(member_ids)))
    return {r["id"]: r["push_service_enabled"] for r in rows}


async def _marketing_consents(member_ids: set[int]) -> dict[int, bool]:
    """Push marketing consent as the ledger says now: the latest event per member wins."""
    if not member_ids:
        return {}
    rows = (
        await ConsentEvent.select(ConsentEvent.member, ConsentEvent.granted)
        .where(ConsentEvent.member.is_in(sorted(member_ids)) & (ConsentEvent.purpose == "marketing_push"))
        .order_by(ConsentEvent.id)
    )
    return {r["member"]: r["granted"] for r in rows}


async def _marketing_times(member_ids: set[int], now: datetime) -> defaultdict[int, list[datetime]]:
    """When these members' marketing pushes went out, a week either side of now."""
    times: defaultdict[int, list[datetime]] = defaultdict(list)
    if member_ids:
        rows = await Notification.select(Notification.member, Notification.due_at).where(
            Notification.member.is_in(sorted(member_ids))
            & Notification.kind.is_in(sorted(rules.MARKETING_KINDS))
            & (Notification.status == "expanded")
            & (Notification.due_at >= now - rules.CAP_WINDOW)
            & (Notification.due_at <= now + rules.CAP_WINDOW)
        )
        for r in rows:
            times[r["member"]].append(r["due_at"])
    return times


async def _devices(member_ids: set[int]) -> dict[int, list[int]]:
    """The unflagged push subscriptions of these members."""
    devices: dict[int, list[int]] = defaultdict(list)
    if member_ids:
        rows = (
            await PushSubscription.select(PushSubscription.id, PushSubscription.member)
            .where(PushSubscription.member.is_in(sorted(member_ids)) & PushSubscription.flagged_at.is_null())
            .order_by(PushSubscription.id)
        )
        for r in rows:
            devices[r["member"]].append(r["id"])
    return devices


async def _finish(
    ids: list[int], status: str, code: int | None, error: str | None, sent_at: datetime | None = None
) -> None:
    await PushDelivery.update(
        {
            PushDelivery.status: status,
            PushDelivery.response_status: code,
            PushDelivery.last_error: error,
            PushDelivery.sent_at: sent_at,
            PushDelivery.locked_until: None,
        }
    ).where(PushDelivery.id.is_in(ids))


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    return (items[i : i + size] for i in range(0, len(items), size))


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
