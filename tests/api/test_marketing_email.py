"""Marketing e-mail over real SMTP (aiosmtpd): the message's parts and headers as they arrive, how the
server's answers are classified (a 5xx is a bounce, the rest is tried again), several mails on one
connection, and a connection the server dropped opened again."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

import pytest

from backend.messaging.email import MailOutcome, SmtpSession, marketing_email, send_mail
from backend.settings import Settings
from tests.smtp_inbox import Inbox, free_port, smtp_server

TO = "kari.nordmann@example.no"
OPT_OUT_URL = "https://testkaffe.no/u/AbCdEfGhIjKlMnOp"


def smtp_settings(port: int) -> Settings:
    return Settings(
        environment="test",
        email_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        mail_from="Testkaffe <klubb@testkaffe.no>",
    )


def offer(**overrides: Any) -> EmailMessage:
    fields: dict[str, Any] = {
        "club_name": "Kaffebrenneriet på Grünerløkka",
        "mail_from": "Testkaffe <klubb@testkaffe.no>",
        "to": TO,
        "lang": "nb",
        "title": "Høstens tilbud: blåbærkake og kaffe",
        "body": "Få en gratis kake til kaffen <script>alert('x')</script> & mer.\n\nGjelder ut måneden på Løkka.",
        "link_url": "https://testkaffe.no/tilbud?uke=48&butikk=løkka",
        "opt_out_url": OPT_OUT_URL,
        "message_id": "<delivery-42.email@testkaffe.no>",
        **overrides,
    }
    return marketing_email(**fields)


def parts(mail: Any) -> dict[str, Any]:
    return {part.get_content_type(): part for part in mail.iter_parts()}


async def test_the_offer_arrives_as_plain_text_and_html_with_one_click_unsubscribe(
    smtp_inbox: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_inbox
    assert await send_mail(smtp_settings(port), offer()) == MailOutcome("sent", None)
    [mail] = inbox.messages
    assert mail.get_content_type() == "multipart/alternative"
    assert list(parts(mail)) == ["text/plain", "text/html"]
    assert mail["From"] == "Testkaffe <klubb@testkaffe.no>" and mail["To"] == TO
    assert mail["Subject"] == "Høstens tilbud: blåbærkake og kaffe"
    assert mail["Message-ID"] == "<delivery-42.email@testkaffe.no>"
    assert mail["List-Unsubscribe"] == f"<{OPT_OUT_URL}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Date"] is not None

    plain, rich = parts(mail)["text/plain"], parts(mail)["text/html"]
    assert plain.get_content_charset() == rich.get_content_charset() == "utf-8"
    text, page = plain.get_content(), rich.get_content()
    for content in (text, page):
        assert "blåbærkake" in content and "Grünerløkka" in content and "Løkka" in content
        assert OPT_OUT_URL in content
        assert "Se tilbudet" in content
    assert "Du får denne e-posten fordi du har sagt ja til tilbud på e-post fra Kaffebrenneriet på Grünerløkka." in text
    assert "<script>alert('x')</script>" in text  # plain text is not HTML: shown as written
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; mer." in page
    assert 'href="https://testkaffe.no/tilbud?uke=48&amp;butikk=løkka"' in page
    assert f'href="{OPT_OUT_URL}"' in page
    assert "max-width:600px" in page and "<style" not in page  # one column, inline styles only
    assert page.count("<p ") >= 2  # the blank line between the owner's paragraphs


async def test_english_and_without_a_link_there_is_no_button(smtp_inbox: tuple[Inbox, int]) -> None:
    inbox, port = smtp_inbox
    assert (
        await send_mail(smtp_settings(port), offer(lang="en", link_url=None, title="Autumn offer"))
    ).result == "sent"
    text, page = (p.get_content() for p in parts(inbox.messages[0]).values())
    assert "You get this e-mail because you said yes to offers by e-mail from Kaffebrenneriet" in text
    assert "Unsubscribe" in page and 'lang="en"' in page
    assert "See the offer" not in text and "See the offer" not in page and "Se tilbudet" not in page


def test_a_link_that_is_not_a_web_address_is_refused() -> None:
    with pytest.raises(ValueError):
        offer(link_url="javascript:alert(1)")


class RefusingServer(Inbox):
    """Answers `reply` at RCPT or DATA; otherwise an inbox."""

    def __init__(self, at: str, reply: str) -> None:
        super().__init__()
        self.at, self.reply = at, reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if self.at == "RCPT":
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.at == "DATA":
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize(
    ("at", "reply", "outcome"),
    [
        (
            "RCPT",
            f"550 5.1.1 <{TO}>: Recipient address rejected: User unknown",
            MailOutcome("bounced", "550 5.1.1 recipient refused"),
        ),
        ("DATA", f"554 5.7.1 Message for {TO} rejected as spam", MailOutcome("bounced", "554 5.7.1 message refused")),
        ("RCPT", f"451 4.7.1 <{TO}>: Greylisted, try again later", MailOutcome("retry", "451 4.7.1 recipient refused")),
        ("DATA", "452 Insufficient storage", MailOutcome("retry", "452 message refused")),
    ],
)
async def test_a_5xx_answer_is_a_bounce_and_a_4xx_is_tried_again_and_the_address_is_never_kept(
    at: str, reply: str, outcome: MailOutcome, caplog: pytest.LogCaptureFixture
) -> None:
    server = RefusingServer(at, reply)
    caplog.set_level(logging.DEBUG, logger="stampcard")
    with smtp_server(server) as port:
        got = await send_mail(smtp_settings(port), offer())
    assert got == outcome
    assert server.messages == []
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("stampcard")]  # not the test server's log
    assert ours and TO not in (got.error or "") and not any(TO in line for line in ours)


async def test_a_closed_port_is_tried_again() -> None:
    got = await send_mail(smtp_settings(free_port()), offer())
    assert got == MailOutcome("retry", "ConnectionRefusedError")


async def test_several_mails_go_over_one_connection(smtp_inbox: tuple[Inbox, int]) -> None:
    inbox, port = smtp_inbox
    async with SmtpSession(smtp_settings(port)) as smtp:
        for n in range(3):
            mail = offer(to=f"medlem{n}@example.no", message_id=f"<delivery-{n}.email@testkaffe.no>")
            assert (await smtp.send(mail)).result == "sent"
    assert [m["To"] for m in inbox.messages] == ["medlem0@example.no", "medlem1@example.no", "medlem2@example.no"]
    assert len(set(inbox.peers)) == 1  # one client port: one connection


async def test_a_refused_recipient_does_not_stop_the_next_mail_on_the_same_connection() -> None:
    class RefusesOne(Inbox):
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
            if address.startswith("borte"):
                return "550 5.1.1 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    server = RefusesOne()
    with smtp_server(server) as port:
        async with SmtpSession(smtp_settings(port)) as smtp:
            assert (await smtp.send(offer(to="borte@example.no"))).result == "bounced"
            assert (await smtp.send(offer(to="her@example.no"))).result == "sent"
    assert [m["To"] for m in server.messages] == ["her@example.no"]


async def test_a_connection_the_server_dropped_is_opened_again_once() -> None:
    first, second = Inbox(), Inbox()
    port = free_port()
    async with SmtpSession(smtp_settings(port)) as smtp:
        with smtp_server(first, port):
            assert (await smtp.send(offer(to="en@example.no"))).result == "sent"
        # The server went away (a restart, an idle timeout) with the session's connection open.
        with smtp_server(second, port):
            assert (await smtp.send(offer(to="to@example.no"))).result == "sent"
        assert (await smtp.send(offer(to="tre@example.no"))).result == "retry"  # gone for good: no loop
    assert [m["To"] for m in first.messages] == ["en@example.no"]
    assert [m["To"] for m in second.messages] == ["to@example.no"]
