"""E-mail codes go over real SMTP: a local aiosmtpd server receives the message."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.messaging.tables import OutboxMessage
from backend.settings import Settings
from tests.api.helpers import Browser
from tests.smtp_inbox import Inbox


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
