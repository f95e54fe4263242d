"""Sending an SMS through the configured gateway: the club's daily budget in segments first, then the
gateway (with its retries), and a row per message that the delivery reports update."""

from __future__ import annotations

import functools
import logging
import operator
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx
import msgspec
from piccolo.engine.base import Engine
from piccolo.query.functions.aggregate import Sum

from backend.clock import Clock
from backend.db import is_postgres, write_transaction
from backend.messaging import sms_gateways
from backend.messaging.sms_gateways import Gateway, GatewayRefused, GatewayUnavailable, OutgoingSms, Report
from backend.messaging.tables import SmsMessage
from backend.settings import Settings
from digital_stampcard import sms as rules
from digital_stampcard.clock import local_day_bounds
from digital_stampcard.errors import DomainError
from digital_stampcard.identifiers import Identifier

if TYPE_CHECKING:
    from backend.messaging.senders import Message

log = logging.getLogger("stampcard.sms")
BUDGET_LOCK_KEY = 7_061_224  # PostgreSQL: one SMS at a time takes its place in the day's budget
# Connections kept open to the gateway. httpx's pool spends CPU per request that grows with its size:
# on 2 cores 20 sent 2.4x as many SMS per second as 64 (benchmarks/sms_campaign.py).
CONNECTIONS = 20


class SmsSender:
    """A MessageSender for the sms channel (see `backend.messaging.senders`)."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], gateway: Gateway) -> None:
        self.settings, self.clock, self.engine, self.gateway = settings, clock, engine, gateway
        self.client: httpx.AsyncClient | None = None  # opened on the first SMS, kept for the next ones

    async def send(self, message: Message) -> None:
        await self.send_text(message.to, message.body, purpose="code")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def send_text(self, to: str, text: str, purpose: str) -> None:
        """Takes its segments from today's budget, then hands the SMS to the gateway. Raises
        `sms_budget_spent` past the budget, and the gateway's errors when it does not take it."""
        wanted = Reservation(str(uuid.uuid4()), to, rules.segments(text), purpose)
        if not (await self.reserve([wanted])).allowed:
            raise DomainError(
                "sms_budget_spent",
                "No more SMS can be sent today. Use your e-mail address instead.",
                kind="unavailable",
                offer="email",
            )
        await self.deliver(wanted.reference, to, text, purpose)

    async def reserve(self, wanted: list[Reservation]) -> Reserved:
        """Takes today's budget for as many of these SMS as it has room for, in order, in one
        transaction, and writes their rows. A reference seen before (a retry, or a worker that died
        mid-send) is not counted twice, and one the gateway already took is not sent again."""
        now = self.clock.now()
        reserved = Reserved()
        alert = False
        async with write_transaction(self.engine):
            if is_postgres(self.engine):  # SQLite's write transactions take turns already
                await SmsMessage.raw("SELECT pg_advisory_xact_lock({})", BUDGET_LOCK_KEY)
            known = (
                {
                    r["reference"]: r
                    for r in await SmsMessage.select(
                        SmsMessage.reference, SmsMessage.status, SmsMessage.gateway_message_id
                    ).where(SmsMessage.reference.is_in([w.reference for w in wanted]))
                }
                if wanted
                else {}
            )
            used = await segments_sent_today(now)
            rows, again = [], []
            for sms in wanted:
                seen = known.get(sms.reference)
                if seen is not None and (seen["gateway_message_id"] or seen["status"] in ("sent", "delivered")):
                    reserved.already_sent.add(sms.reference)
                    continue
                if seen is not None and seen["status"] != "rejected":
                    reserved.allowed.add(sms.reference)  # counted when it was first reserved
                    continue
                budget = rules.check_budget(used, sms.segments.count, self.settings.sms_daily_segment_budget)
                if not budget.allowed:
                    break  # the day is spent: the rest waits (a code is refused, a campaign waits for tomorrow)
                used += sms.segments.count
                alert = alert or budget.alert
                reserved.allowed.add(sms.reference)
                if seen is not None:
                    again.append(sms.reference)  # the gateway did not take it last time: it counts again
                    continue
                rows.append(
                    SmsMessage(
                        reference=sms.reference,
                        purpose=sms.purpose,
                        to_masked=Identifier("sms", sms.to).masked(),
                        segments=sms.segments.count,
                        encoding=sms.segments.encoding,
                        gateway=self.gateway.name,
                        status="queued",
                        created_at=now,
                    )
                )
            if rows:
                await SmsMessage.insert(*rows)
            if again:
                await SmsMessage.update(
                    {SmsMessage.status: "queued", SmsMessage.error: None, SmsMessage.created_at: now}
                ).where(SmsMessage.reference.is_in(again))
        if alert:
            log.warning("today's SMS have reached %d %% of the daily budget", int(rules.BUDGET_ALERT_SHARE * 100))
        return reserved

    async def deliver(self, reference: str, to: str, text: str, purpose: str) -> None:
        """Hands a reserved SMS to the gateway (with its retries) and records the gateway's id."""
        if self.client is None:
            self.client = httpx.AsyncClient(
                timeout=self.settings.sms_timeout_seconds,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS),
            )
        outgoing = OutgoingSms(
            to, self.settings.sms_sender_id, text, reference, report_url(self.settings, self.gateway.name)
        )
        try:
            message_id = await sms_gateways.send(self.client, self.gateway, outgoing)
        except (GatewayRefused, GatewayUnavailable) as exc:
            # A message the gateway did not take costs nothing from the budget.
            await _set(reference, "rejected", self.clock.now(), error=str(exc)[:200])
            log.warning("the SMS gateway did not take a %s message: %s", purpose, type(exc).__name__)
            raise
        await SmsMessage.update(
            {SmsMessage.gateway_message_id: message_id, SmsMessage.status_at: self.clock.now()}
        ).where(SmsMessage.reference == reference)


class Reserved(msgspec.Struct):
    allowed: set[str] = msgspec.field(default_factory=set)  # references to send now
    already_sent: set[str] = msgspec.field(default_factory=set)  # the gateway took these before


class Reservation(NamedTuple):
    reference: str
    to: str
    segments: rules.Segments
    purpose: str  # code | campaign | reward_ready | ...


async def segments_sent_today(now: datetime) -> int:
    """Segments the gateway took today, a day in Oslo where the club is."""
    start, _ = local_day_bounds(now)
    rows = await SmsMessage.select(Sum(SmsMessage.segments).as_alias("total")).where(
        (SmsMessage.created_at >= start) & (SmsMessage.status != "rejected")
    )
    return int(rows[0]["total"] or 0) if rows else 0


def report_url(settings: Settings, gateway_name: str) -> str:
    """The address a gateway calls with its delivery reports (and the one Twilio signs)."""
    return f"{settings.public_url.rstrip('/')}/api/sms/reports/{gateway_name}/{settings.sms_callback_token}"


async def record_reports(reports: list[Report], now: datetime) -> int:
    """Each report updates its message, if it is ours; a final status is never undone. Returns how many matched."""
    matched = 0
    for report in reports:
        # By the gateway's id or by our reference, whichever the report carries: a report can
        # beat the gateway's answer to us, before we know its id.
        keys = [SmsMessage.gateway_message_id == report.message_id] if report.message_id else []
        keys += [SmsMessage.reference == report.reference] if report.reference else []
        if not keys:
            continue
        async with write_transaction(SmsMessage._meta.db):  # the engine the tables are bound to
            row = await SmsMessage.objects().where(functools.reduce(operator.or_, keys)).first()
            if row is None:
                continue
            matched += 1
            status = rules.later_status(row.status, report.status)  # type: ignore[arg-type]
            await _set(row.reference, status, now, error=report.error if status == "failed" else None)
    return matched


async def _set(reference: str, status: str, now: datetime, error: str | None = None) -> None:
    await SmsMessage.update({SmsMessage.status: status, SmsMessage.status_at: now, SmsMessage.error: error}).where(
        SmsMessage.reference == reference
    )
