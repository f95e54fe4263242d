"""E-mail codes go over real SMTP: a local aiosmtpd server receives the message."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from backend.messaging.tables import OutboxMessage
from backend.settings import Settings
from tests.api.helpers import Browser


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def settings(clean_db: str, smtp_inbox: tuple[Inbox, int]) -> Settings:
    return Settings(
        environment="test",
        database_url=clean_db,
        secret_key="test-secret-" + "x" * 32,
        public_url="http://testserver.local",
        email_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox[1],
        mail_from="Testkaffe <klubb@testkaffe.no>",
        push_dispatcher="off",
    )


async def test_email_code_arrives_over_smtp_and_logs_the_member_in(
    new_browser: Callable[[], Browser],
    smtp_inbox: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_inbox
    phone = new_browser()
    response = await phone.post(
        "/api/auth/otp/start", {"identifier": "kari@example.no", "purpose": "join", "terms_accepted": True}
    )
    assert response.status_code == 202 and response.json()["channel"] == "email"
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "kari@example.no" and mail["From"] == "Testkaffe <klubb@testkaffe.no>"
    assert "Testkaffe" in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    code = next(word for word in body.replace(".", " ").split() if word.isdigit() and len(word) == 6)
    assert await OutboxMessage.count() == 0  # real mail is not kept in the dev outbox
    verified = await phone.post(
        "/api/auth/otp/verify", {"identifier": "kari@example.no", "code": code, "device_public_key": phone.public_key}
    )
    assert verified.status_code == 200 and verified.json()["new_member"] is True
