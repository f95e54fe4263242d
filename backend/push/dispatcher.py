"""Sends the outbox off the request path, a batch at a time.

A round claims a batch of deliveries (SKIP LOCKED on PostgreSQL, so several workers never take the same
one) and sends it concurrently on one aiohttp session while the next due notifications are fanned out into
deliveries (a few bulk reads, the pure push policy per notification, one INSERT ... SELECT). The answers
are recorded in grouped UPDATEs as they arrive.

Delivery is at least once. A send keeps its concurrency slot until its answer is recorded, so at most
`concurrency` messages are ever sent but not recorded: all that a killed worker can send twice (once its
lease runs out). Such a copy has the same Topic, tag and receipt token, so the push service and the phone
replace the first copy with it. A stopped (SIGTERM) worker finishes and records its round first."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

import aiohttp
import msgspec
from pywebpush import WebPusher

from backend.context import AppContext
from backend.core import leases
from backend.db import is_unreachable, write_transaction
from backend.push.fanout import Offer, consent_withdrawn, expand_due
from backend.push.receipts import receipt_token, with_receipt
from backend.push.tables import PushDelivery, PushSubscription
from backend.push.vapid import VapidIdentity
from digital_stampcard import notifications as rules
from digital_stampcard.errors import DomainError

log = logging.getLogger("stampcard.push")
GONE = {404, 410}
BAD_SUBSCRIPTION = {400, 403, 413}
RECORD_TRIES = 3
SEND_TIMEOUT = aiohttp.ClientTimeout(total=15)
SEND_SLACK = timedelta(seconds=20)  # a send started this close to its lease's end could outlast it


class Claimed(NamedTuple):
    """A delivery this worker holds the lease on, with what it takes to send it."""

    id: int
    attempts: int
    leased_until: datetime  # not sent once this has passed: another worker may have taken it over
    member_id: int
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
    withdrawn: bool = False  # not sent: the member withdrew the consent an offer needs


class Message(NamedTuple):
    """One notification rendered once for every delivery that shares its kind, language and data."""

    note: rules.Notification
    delivery: rules.Delivery


class Dispatcher:
    def __init__(self, ctx: AppContext, identity: VapidIdentity, *, concurrency: int = 64, batch: int = 500) -> None:
        self.ctx, self.identity = ctx, identity
        self.batch, self.semaphore = batch, asyncio.Semaphore(concurrency)
        self.lease = timedelta(seconds=ctx.settings.push_claim_lease_seconds)  # a dead worker's claims come back
        self.send_slack = min(SEND_SLACK, self.lease / 2)
        self.session: aiohttp.ClientSession | None = None
        self.policy = ctx.push_policy  # the weekly marketing cap comes from MARKETING_PUSHES_PER_WEEK
        # Set on SIGTERM: the sends in flight finish and are recorded, the rest of the claim is given back,
        # so a stop takes one send at most (SEND_TIMEOUT), not a whole batch of waves.
        self.stopping = asyncio.Event()

    async def __aenter__(self) -> Dispatcher:
        self.session = aiohttp.ClientSession(timeout=SEND_TIMEOUT)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def run_once(self) -> int:
        """One round: claim a batch (fanning out what is due first when there is nothing to claim), then
        send it while the next batch is fanned out. Returns how much was done (0: nothing to do)."""
        expanded = 0
        claimed = await self.claim()
        if not claimed:
            expanded = await self.expand_due()
            claimed = await self.claim()
        _, expanded_meanwhile = await asyncio.gather(self.send(claimed), self.expand_due())
        return expanded + expanded_meanwhile + len(claimed)

    async def expand_due(self) -> int:
        """Due notifications become deliveries (see `backend.push.fanout`)."""
        return await expand_due(self.ctx, self.policy, self.batch)

    # --- claim, send, record --------------------------------------------------------------------------

    async def claim(self) -> list[Claimed]:
        now = self.ctx.clock.now()
        leased_until = now + self.lease
        ids = await leases.claim(self.ctx, PushDelivery, now=now, lease=self.lease, batch=self.batch)
        if not ids:
            return []
        rows = await PushDelivery.select(
            PushDelivery.id,
            PushDelivery.attempts,
            PushDelivery.notification.member,
            PushDelivery.notification.kind,
            PushDelivery.notification.data,
            PushDelivery.notification._.member._.lang,
            PushDelivery.subscription.id,
            PushDelivery.subscription.endpoint,
            PushDelivery.subscription.p256dh,
            PushDelivery.subscription.auth,
        ).where(PushDelivery.id.is_in(ids))
        return [
            Claimed(
                id=r["id"],
                attempts=r["attempts"],
                leased_until=leased_until,
                member_id=r["notification.member"],
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
        withdrawn = await consent_withdrawn((Offer(r.id, r.member_id, r.kind, r.data) for r in claimed), "push")
        given_back: dict[int, int] = {}

        async def one(row: Claimed) -> None:
            # A slot is held until the answer is recorded, so at most `concurrency` pushes are ever sent but
            # not yet recorded: all a crash can make us send twice.
            async with self.semaphore:
                if self.stopping.is_set():
                    given_back[row.id] = row.attempts
                    return
                # A send may take SEND_TIMEOUT: start none that could outlive the lease, or another worker
                # that takes the row over would send it too.
                if self.ctx.clock.now() + self.send_slack >= row.leased_until:
                    return  # left as it is: the next claim, ours or another worker's, sends it
                if row.id in withdrawn:  # an offer whose consent was withdrawn since the fan-out: never sent
                    await recorder.recorded(Outcome(row.id, row.subscription_id, row.attempts, 0, withdrawn=True))
                    return
                await recorder.recorded(await self._send(row, messages))

        try:
            await asyncio.gather(*(one(row) for row in claimed))
        finally:
            await recorder.drained()
            if given_back:
                await leases.release(self.ctx, PushDelivery, given_back, now=self.ctx.clock.now())

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
        try:
            response = await WebPusher(info, aiohttp_session=self.session).send_async(
                payload, headers=headers, ttl=message.delivery.ttl, content_encoding="aes128gcm", timeout=SEND_TIMEOUT
            )
            response = cast(aiohttp.ClientResponse, response)  # a str only when asked for curl
            status, retry_after = response.status, _retry_after(response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            status, retry_after = 0, None
            # The push service's host only: the endpoint's path is the device's secret address.
            log.info("push to %s failed: %s", urlsplit(row.endpoint).hostname, type(exc).__name__)
        return Outcome(row.id, row.subscription_id, row.attempts, status, retry_after)

    async def _record(self, outcomes: list[Outcome]) -> None:
        """Writes what the push service said, one UPDATE per kind of answer (retries one by one: each has
        its own jittered time). 404/410 delete the subscription; 400/403/413 flag it; 429, 5xx and network
        errors are retried later, honouring Retry-After, until `rules.MAX_ATTEMPTS`.

        Every write only touches a row this claim still holds ("sending" with the attempt count it was
        claimed with): a row another worker took over after our lease ran out keeps that worker's result."""
        now = self.ctx.clock.now()
        # (status, HTTP code, error, attempts) -> delivery ids; sent rows also get sent_at
        done: dict[tuple[str, int | None, str | None, int], list[int]] = defaultdict(list)
        gone_subscriptions: list[int] = []
        flagged: dict[int, list[int]] = defaultdict(list)  # HTTP status -> subscription ids
        retries: list[tuple[Outcome, datetime]] = []
        for o in outcomes:
            if o.withdrawn:
                done["withdrawn", None, "consent withdrawn", o.attempts].append(o.delivery_id)
            elif o.subscription_id is None:
                done["gone", None, "subscription removed", o.attempts].append(o.delivery_id)
            elif o.problem is not None:
                done["failed", None, o.problem, o.attempts].append(o.delivery_id)
                log.error("push delivery %s cannot be sent: %s", o.delivery_id, o.problem)
            elif 200 <= o.status < 300:
                done["sent", o.status, None, o.attempts].append(o.delivery_id)
            elif o.status in GONE:
                gone_subscriptions.append(o.subscription_id)
                done["gone", o.status, "subscription expired", o.attempts].append(o.delivery_id)
            elif o.status in BAD_SUBSCRIPTION:
                flagged[o.status].append(o.subscription_id)
                done["failed", o.status, f"refused with {o.status}", o.attempts].append(o.delivery_id)
                log.warning("push subscription %s flagged: %s", o.subscription_id, o.status)
            elif o.attempts >= rules.MAX_ATTEMPTS:
                error = f"gave up after {o.attempts} attempts"
                done["failed", o.status or None, error, o.attempts].append(o.delivery_id)
            else:  # 429, 5xx, network: later, honouring Retry-After, with backoff and jitter
                delay = rules.retry_delay(o.attempts, o.retry_after, random.random())
                retries.append((o, now + timedelta(seconds=delay)))
        async with write_transaction(self.ctx.engine):
            if gone_subscriptions:
                await PushSubscription.delete().where(PushSubscription.id.is_in(gone_subscriptions))
            for code, subscription_ids in flagged.items():
                await PushSubscription.update(
                    {PushSubscription.flagged_at: now, PushSubscription.flag_reason: f"push service answered {code}"}
                ).where(PushSubscription.id.is_in(subscription_ids))
            for (status, response_status, last_error, attempts), ids in done.items():
                await PushDelivery.update(
                    {
                        PushDelivery.status: status,
                        PushDelivery.response_status: response_status,
                        PushDelivery.last_error: last_error,
                        PushDelivery.sent_at: now if status == "sent" else None,
                        PushDelivery.locked_until: None,
                    }
                ).where(PushDelivery.id.is_in(ids) & _still_ours(attempts))
            for o, at in retries:
                await PushDelivery.update(
                    {
                        PushDelivery.status: "pending",
                        PushDelivery.next_attempt_at: at,
                        PushDelivery.locked_until: None,
                        PushDelivery.response_status: o.status or None,
                    }
                ).where((PushDelivery.id == o.delivery_id) & _still_ours(o.attempts))


def _still_ours(attempts: int) -> Any:
    """Rows claimed by this round: each claim counts an attempt, so a takeover changes the count."""
    return (PushDelivery.status == "sending") & (PushDelivery.attempts == attempts)


class _Recorder:
    """Records outcomes as they arrive, one write at a time, each taking everything that arrived since the
    previous write began. A failed write (a deadlock abort, say) is tried again before it is given up on."""

    def __init__(self, write: Callable[[list[Outcome]], Awaitable[None]]) -> None:
        self.write = write
        self.waiting: list[tuple[Outcome, asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None

    async def recorded(self, outcome: Outcome) -> None:
        """Returns once `outcome` is written (or given up on: then the lease brings the delivery back)."""
        written = asyncio.get_running_loop().create_future()
        self.waiting.append((outcome, written))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        await asyncio.shield(written)

    async def drained(self) -> None:
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def _drain(self) -> None:
        while self.waiting:
            chunk, self.waiting = self.waiting, []
            for attempt in range(1, RECORD_TRIES + 1):
                try:
                    await self.write([outcome for outcome, _ in chunk])
                    break
                except Exception as exc:
                    if attempt == RECORD_TRIES:  # an outage is the worker's to report; a traceback, a fault's
                        log.error(
                            "could not record %d push results; they will be sent again",
                            len(chunk),
                            exc_info=not is_unreachable(exc),
                        )
                    else:
                        await asyncio.sleep(0.1 * attempt)
            for _, written in chunk:
                written.set_result(None)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
