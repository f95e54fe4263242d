"""The message-sender interface: a dev outbox by default; real SMTP for e-mail and an SMS gateway
(`backend.messaging.sms`) in production."""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from typing import Any, Protocol

import msgspec
from piccolo.engine.base import Engine

from backend.clock import Clock
from backend.messaging.email import connect
from backend.messaging.sms import SmsSender
from backend.messaging.sms_gateways import make_gateway
from backend.messaging.tables import OutboxMessage
from backend.settings import Settings
from digital_stampcard.errors import DomainError
from digital_stampcard.otp import CODE_TTL

log = logging.getLogger("stampcard.messages")


class Message(msgspec.Struct, frozen=True):
    channel: str  # sms | email
    to: str
    subject: str
    body: str


class MessageSender(Protocol):
    async def send(self, message: Message) -> None: ...

    async def close(self) -> None: ...


class OutboxSender:
    """Development: the message lands in the outbox table (read at /api/dev/outbox) and the log."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def send(self, message: Message) -> None:
        await OutboxMessage.insert(
            OutboxMessage(
                channel=message.channel,
                to_address=message.to,
                subject=message.subject,
                body=message.body,
                transport="outbox",
                created_at=self.clock.now(),
            )
        )
        log.info("[dev outbox] a %s message is waiting at /api/dev/outbox", message.channel)

    async def close(self) -> None:
        return None


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> None:
        await asyncio.to_thread(self._send_blocking, message)

    async def close(self) -> None:
        return None  # a connection per message

    def _send_blocking(self, message: Message) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s.mail_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        with connect(s) as smtp:
            smtp.send_message(mail)


class ChannelRouter:
    """Picks the transport by channel (e-mail or SMS)."""

    def __init__(self, email: MessageSender, sms: MessageSender) -> None:
        self.email, self.sms = email, sms

    async def send(self, message: Message) -> None:
        await (self.email if message.channel == "email" else self.sms).send(message)

    async def close(self) -> None:
        await self.email.close()
        await self.sms.close()


class UnavailableSender:
    """Production without a real transport for a channel: refuse clearly, never park codes in a table."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, message: Message) -> None:
        hint = "Use your e-mail address instead." if self.channel == "sms" else "Use your mobile number instead."
        raise DomainError(
            "channel_unavailable", f"Codes by {self.channel} are not available here. {hint}", kind="unavailable"
        )

    async def close(self) -> None:
        return None


def make_sender(settings: Settings, clock: Clock, engine: Engine[Any]) -> MessageSender:
    """The dev outbox is for development and tests only: production never stores or logs a code."""
    outbox: MessageSender = UnavailableSender("outbox") if settings.is_production else OutboxSender(clock)
    email: MessageSender = SmtpSender(settings) if settings.email_transport == "smtp" else outbox
    gateway = make_gateway(settings)
    sms: MessageSender = SmsSender(settings, clock, engine, gateway) if gateway else outbox
    if settings.is_production and gateway is None:
        sms = UnavailableSender("sms")
    return ChannelRouter(email=email, sms=sms)


def otp_message(channel: str, to: str, code: str, club_name: str, lang: str) -> Message:
    minutes = int(CODE_TTL.total_seconds() // 60)
    if lang == "en":
        subject = f"Your code for {club_name}"
        body = (
            f"Your code is {code}. It is valid for {minutes} minutes. If you did not ask for it, ignore this message."
        )
    else:
        subject = f"Din kode til {club_name}"
        body = (
            f"Koden din er {code}. Den gjelder i {minutes} minutter. "
            "Har du ikke bedt om den, kan du se bort fra meldingen."
        )
    return Message(channel, to, subject, body)
