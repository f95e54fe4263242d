"""Sends the notifications that go by e-mail or SMS, from their leased outbox (`MessageDelivery`).

A round claims a batch, checks each member's consent for that channel again (a "no" given in the
middle of a campaign stops what has not gone out), renders each message in the member's language with
its opt-out link, takes the SMS budget for the whole batch in one transaction, and sends concurrently:
SMS over the gateway's kept-open connections, e-mail over one SMTP connection. The answers are
recorded in grouped UPDATEs.

Exactly once per member, notification and channel: the outbox row is unique per (notification,
channel), and an SMS keeps one reference (`fanout.message_reference`) on every try. A worker that dies
mid-send leaves its rows to come back when the lease ends; an SMS the gateway had already taken is
then found by its reference (its id was recorded the moment the gateway answered) and not sent again,
and a gateway that dedupes by reference (the generic one may) drops the copy sent in the moment between."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from backend.campaigns import channel_texts
from backend.club.service import get_club
from backend.context import AppContext
from backend.core import leases
from backend.db import write_transaction
from backend.members.tables import Member
from backend.messaging import email
from backend.messaging.sms import CONNECTIONS as sms_connections
from backend.messaging.sms import Reservation, SmsSender
from backend.messaging.sms_gateways import GatewayRefused, GatewayUnavailable, make_gateway
from backend.messaging.tables import OutboxMessage
from backend.push.fanout import Offer, consent_withdrawn, message_reference
from backend.push.tables import MessageDelivery
from digital_stampcard import notifications as rules
from digital_stampcard import sms
from digital_stampcard.channels import Channel
from digital_stampcard.clock import local_day_bounds
from digital_stampcard.errors import DomainError

log = logging.getLogger("stampcard.messages")
# An SMS may take 3 tries of SMS_TIMEOUT_SECONDS: start none that could outlast the lease.
SEND_SLACK = timedelta(seconds=40)


class Claimed(NamedTuple):
    id: int
    attempts: int
    channel: Channel
    notification_id: int
    member_id: int
    kind: rules.Kind
    data: dict[str, Any]
    lang: str
    address: str | None  # the member's phone or e-mail now (None: gone since the fan-out)


class Outcome(NamedTuple):
    delivery_id: int
    attempts: int
    status: str  # sent | failed | bounced | withdrawn | retry | tomorrow
    error: str | None = None
    member_id: int | None = None  # a bounce marks this member's address undeliverable


class Rendered(NamedTuple):
    subject: str
    text: str  # the SMS, or the e-mail's plain-text part
    mail: Any  # the e-mail (EmailMessage), None for an SMS


class MessageDispatcher:
    def __init__(self, ctx: AppContext, *, concurrency: int = 64, batch: int = 512) -> None:
        self.ctx, self.batch = ctx, batch
        self.semaphore = asyncio.Semaphore(min(concurrency, sms_connections))  # SMS in flight: one per connection
        self.lease = timedelta(seconds=ctx.settings.push_claim_lease_seconds)  # a dead worker's claims come back
        self.send_slack = min(SEND_SLACK, self.lease / 2)
        gateway = make_gateway(ctx.settings)
        self.sms = SmsSender(ctx.settings, ctx.clock, ctx.engine, gateway) if gateway else None
        self.stopping = asyncio.Event()

    async def close(self) -> None:
        if self.sms is not None:
            await self.sms.close()

    async def run_once(self) -> int:
        """One batch: claim, send, record. Returns how many deliveries it handled (0: nothing to do)."""
        now = self.ctx.clock.now()
        ids = await leases.claim(self.ctx, MessageDelivery, now=now, lease=self.lease, batch=self.batch)
        if not ids:
            return 0
        leased_until = now + self.lease
        claimed = await _load(ids)
        outcomes: list[Outcome] = []
        withdrawn: set[int] = set()
        for channel in ("email", "sms"):
            rows = [c for c in claimed if c.channel == channel]
            withdrawn |= await consent_withdrawn((Offer(r.id, r.member_id, r.kind, r.data) for r in rows), channel)
        sendable = []
        for row in claimed:
            if row.id in withdrawn:
                outcomes.append(Outcome(row.id, row.attempts, "withdrawn", "consent withdrawn"))
            elif not row.address:
                outcomes.append(Outcome(row.id, row.attempts, "failed", "no address any more"))
            else:
                sendable.append(row)
        club_name = (await get_club()).name
        given_back: dict[int, int] = {}
        results = await asyncio.gather(
            self._send_sms([r for r in sendable if r.channel == "sms"], club_name, leased_until, given_back),
            self._send_email([r for r in sendable if r.channel == "email"], club_name, leased_until, given_back),
        )
        for part in results:
            outcomes.extend(part)
        await self._record(outcomes)
        if given_back:
            await leases.release(self.ctx, MessageDelivery, given_back, now=self.ctx.clock.now())
        return len(claimed)

    # --- rendering --------------------------------------------------------------------------------

    def _render(self, row: Claimed, club_name: str) -> Rendered:
        settings = self.ctx.settings
        if row.kind == "campaign":
            title, body = str(row.data.get("title", "")), str(row.data.get("body", ""))
            navigate = str(row.data.get("navigate", "/"))
        else:
            note = rules.render(row.kind, row.lang, row.data)
            title, body, navigate = note.title, note.body, note.navigate
        opt_out = None
        if rules.is_marketing(row.kind):
            campaign = row.data.get("campaign_id")
            opt_out = channel_texts.opt_out_url(settings, row.member_id, row.channel, campaign)  # type: ignore[arg-type]
        if row.channel == "sms":
            return Rendered(title, channel_texts.sms_text(club_name, row.lang, title, body, opt_out), None)
        assert row.address is not None
        mail = channel_texts.email_message(
            settings,
            club_name=club_name,
            to=row.address,
            lang=row.lang,
            title=title,
            body=body,
            link_path=navigate,
            opt_out_url=opt_out,
            message_id=message_reference(row.notification_id),
        )
        return Rendered(title, channel_texts.plain_text(mail), mail)

    def _rendered(self, rows: list[Claimed], club_name: str) -> tuple[list[tuple[Claimed, Rendered]], list[Outcome]]:
        ready, broken = [], []
        for row in rows:
            try:
                ready.append((row, self._render(row, club_name)))
            except (DomainError, ValueError, KeyError) as exc:  # a message that can never be built
                log.error("message delivery %s cannot be built: %s", row.id, type(exc).__name__)
                broken.append(Outcome(row.id, row.attempts, "failed", f"cannot build the message: {exc}"[:200]))
        return ready, broken

    def _in_time(self, row: Claimed, leased_until: datetime, given_back: dict[int, int]) -> bool:
        """Not when stopping (given back), nor so late in the lease that another worker may take it over."""
        if self.stopping.is_set():
            given_back[row.id] = row.attempts
            return False
        return self.ctx.clock.now() + self.send_slack < leased_until

    # --- SMS --------------------------------------------------------------------------------------

    async def _send_sms(
        self, rows: list[Claimed], club_name: str, leased_until: datetime, given_back: dict[int, int]
    ) -> list[Outcome]:
        ready, outcomes = self._rendered(rows, club_name)
        if not ready:
            return outcomes
        if self.sms is None and self.ctx.settings.is_production:  # never parked in a table in production
            return outcomes + [Outcome(row.id, row.attempts, "failed", "no SMS gateway is set up") for row, _ in ready]
        if self.sms is None:  # development: the dev outbox stands in for the gateway
            await _to_dev_outbox("sms", [(row.address or "", r.subject, r.text) for row, r in ready], self.ctx)
            return outcomes + [Outcome(row.id, row.attempts, "sent") for row, _ in ready]
        sender = self.sms
        wanted = [
            Reservation(message_reference(row.notification_id), row.address or "", sms.segments(r.text), row.kind)
            for row, r in ready
        ]
        reserved = await sender.reserve(wanted)

        async def one(row: Claimed, rendered: Rendered, reference: str) -> Outcome:
            if reference in reserved.already_sent:
                return Outcome(row.id, row.attempts, "sent")  # taken by the gateway before this worker's round
            if reference not in reserved.allowed:
                return Outcome(row.id, row.attempts, "tomorrow", "the day's SMS budget is spent")
            async with self.semaphore:
                if not self._in_time(row, leased_until, given_back):
                    return Outcome(row.id, row.attempts, "later")
                try:
                    await sender.deliver(reference, row.address or "", rendered.text, row.kind)
                except GatewayRefused as exc:
                    return Outcome(row.id, row.attempts, "failed", f"the gateway refused it: {exc.status or ''}"[:200])
                except GatewayUnavailable:
                    return Outcome(row.id, row.attempts, "retry", "the gateway did not answer")
                return Outcome(row.id, row.attempts, "sent")

        sent = await asyncio.gather(*(one(row, r, w.reference) for (row, r), w in zip(ready, wanted, strict=True)))
        return outcomes + list(sent)

    # --- e-mail -----------------------------------------------------------------------------------

    async def _send_email(
        self, rows: list[Claimed], club_name: str, leased_until: datetime, given_back: dict[int, int]
    ) -> list[Outcome]:
        ready, outcomes = self._rendered(rows, club_name)
        if not ready:
            return outcomes
        if self.ctx.settings.email_transport != "smtp" and self.ctx.settings.is_production:
            return outcomes + [Outcome(row.id, row.attempts, "failed", "no SMTP server is set up") for row, _ in ready]
        if self.ctx.settings.email_transport != "smtp":  # development: the dev outbox
            await _to_dev_outbox("email", [(row.address or "", r.subject, r.text) for row, r in ready], self.ctx)
            return outcomes + [Outcome(row.id, row.attempts, "sent") for row, _ in ready]
        async with email.SmtpSession(self.ctx.settings) as session:
            for row, rendered in ready:
                if not self._in_time(row, leased_until, given_back):
                    if row.id not in given_back:
                        outcomes.append(Outcome(row.id, row.attempts, "later"))
                    continue
                result = await session.send(rendered.mail)
                status = {"sent": "sent", "bounced": "bounced"}.get(result.result, "retry")
                outcomes.append(Outcome(row.id, row.attempts, status, result.error, member_id=row.member_id))
        return outcomes

    # --- recording --------------------------------------------------------------------------------

    async def _record(self, outcomes: list[Outcome]) -> None:
        """One UPDATE per kind of answer; retries one by one (each has its own jittered time). Only rows
        this claim still holds are touched (a takeover after the lease ran out counts another attempt)."""
        now = self.ctx.clock.now()
        done: dict[tuple[str, str | None, int], list[int]] = defaultdict(list)
        later: list[tuple[Outcome, datetime]] = []
        bounced_members = []
        tomorrow = _next_morning(now, self.ctx.push_policy)
        for o in outcomes:
            if o.status == "later":
                continue  # left as claimed: the lease brings it back
            if o.status == "tomorrow":
                later.append((o, tomorrow))
            elif o.status == "retry" and o.attempts < rules.MAX_ATTEMPTS:
                later.append((o, now + timedelta(seconds=rules.retry_delay(o.attempts, None, random.random()))))
            elif o.status == "retry":
                gave_up = f"gave up after {o.attempts} attempts: {o.error}"[:200]
                done["failed", gave_up, o.attempts].append(o.delivery_id)
            else:
                done[o.status, o.error, o.attempts].append(o.delivery_id)
                if o.status == "bounced" and o.member_id is not None:
                    bounced_members.append(o.member_id)
        async with write_transaction(self.ctx.engine):
            for (status, error, attempts), ids in done.items():
                await MessageDelivery.update(
                    {
                        MessageDelivery.status: status,
                        MessageDelivery.last_error: error,
                        MessageDelivery.sent_at: now if status == "sent" else None,
                        MessageDelivery.locked_until: None,
                    }
                ).where(MessageDelivery.id.is_in(ids) & _still_ours(attempts))
            for o, at in later:
                # The budget's wait is no failed attempt: it does not count towards giving up.
                attempts = o.attempts - 1 if o.status == "tomorrow" else o.attempts
                await MessageDelivery.update(
                    {
                        MessageDelivery.status: "pending",
                        MessageDelivery.next_attempt_at: at,
                        MessageDelivery.locked_until: None,
                        MessageDelivery.last_error: o.error,
                        MessageDelivery.attempts: attempts,
                    }
                ).where((MessageDelivery.id == o.delivery_id) & _still_ours(o.attempts))
            if bounced_members:
                await Member.update({Member.email_undeliverable_at: now}).where(
                    Member.id.is_in(sorted(set(bounced_members))) & Member.email_undeliverable_at.is_null()
                )


def _still_ours(attempts: int) -> Any:
    return (MessageDelivery.status == "sending") & (MessageDelivery.attempts == attempts)


def _next_morning(now: datetime, policy: rules.PushPolicy) -> datetime:
    """When a message held back by the day's SMS budget is tried again: the end of the next night's quiet hours."""
    _, day_end = local_day_bounds(now)
    return rules.next_quiet_end(day_end, policy)


async def _load(ids: list[int]) -> list[Claimed]:
    rows = (
        await MessageDelivery.select(
            MessageDelivery.id,
            MessageDelivery.attempts,
            MessageDelivery.channel,
            MessageDelivery.notification.id,
            MessageDelivery.notification.kind,
            MessageDelivery.notification.data,
            MessageDelivery.member.id,
            MessageDelivery.member.lang,
            MessageDelivery.member.phone,
            MessageDelivery.member.email,
        )
        .where(MessageDelivery.id.is_in(ids))
        .output(load_json=True)
    )
    return [
        Claimed(
            id=r["id"],
            attempts=r["attempts"],
            channel=r["channel"],
            notification_id=r["notification.id"],
            member_id=r["member.id"],
            kind=r["notification.kind"],
            data=r["notification.data"] or {},
            lang=r["member.lang"] or "nb",
            address=r["member.phone"] if r["channel"] == "sms" else r["member.email"],
        )
        for r in rows
    ]


async def _to_dev_outbox(channel: str, messages: list[tuple[str, str, str]], ctx: AppContext) -> None:
    """Development and tests without a gateway or SMTP: the messages land where /api/dev/outbox reads them."""
    now = ctx.clock.now()
    await OutboxMessage.insert(
        *[
            OutboxMessage(
                channel=channel, to_address=to, subject=subject, body=text, transport="outbox", created_at=now
            )
            for to, subject, text in messages
        ]
    )
    log.info("[dev outbox] %d %s messages are waiting at /api/dev/outbox", len(messages), channel)
