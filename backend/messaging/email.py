"""Marketing e-mail: the message (plain text and HTML from `templates/`, in the member's language, with an
RFC 8058 one-click unsubscribe) and its sending over SMTP, with the answer classified for the dispatcher:
a 5xx answer to the sender, recipient or message is a hard bounce, anything else is worth another try.

The one-time codes (`senders.SmtpSender`) connect through the same `connect` helper."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import smtplib
import string
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from backend.settings import Settings

log = logging.getLogger("stampcard.email")

TEMPLATES = Path(__file__).resolve().parent / "templates"
SMTP_TIMEOUT_SECONDS = 15

_TEXTS = {
    "nb": {
        "button": "Se tilbudet",
        "why": "Du får denne e-posten fordi du har sagt ja til tilbud på e-post fra {club}.",
        "unsubscribe": "Meld meg av tilbud på e-post",
        "why_member": "Du får denne e-posten fordi du er medlem i {club}.",
        "manage": "Endre varslene dine på Min side",
    },
    "en": {
        "button": "See the offer",
        "why": "You get this e-mail because you said yes to offers by e-mail from {club}.",
        "unsubscribe": "Unsubscribe from offers by e-mail",
        "why_member": "You get this e-mail because you are a member of {club}.",
        "manage": "Change your notifications on My page",
    },
}


class MailOutcome(msgspec.Struct, frozen=True):
    result: Literal["sent", "bounced", "retry"]  # bounced: the address is undeliverable, do not try again
    error: str | None = None  # the SMTP code and a short reason, never the address


@cache
def _template(name: str) -> string.Template:
    return string.Template((TEMPLATES / name).read_text(encoding="utf-8"))


def _paragraphs(text: str) -> str:
    """The owner's text as HTML: escaped, blank lines between paragraphs, single newlines kept."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return "\n".join(f'<p style="margin:0 0 16px 0;">{html.escape(b).replace(chr(10), "<br>")}</p>' for b in blocks)


def marketing_email(
    *,
    club_name: str,
    mail_from: str,
    to: str,
    lang: str,
    title: str,
    body: str,
    link_url: str | None,
    opt_out_url: str | None,
    message_id: str,
    manage_url: str | None = None,
) -> EmailMessage:
    """One offer to one member. `message_id` comes from the delivery, so a resend has the same id (and a
    mail client shows it once); `opt_out_url` is the member's own `/u/{token}` page. A service message
    (a reward that is ready) has none: it is no marketing, and its footer links `manage_url` (Min side)."""
    if opt_out_url is None and manage_url is None:
        raise ValueError("a mail without an opt-out link needs the address where the member manages it")
    if link_url is not None and urlsplit(link_url).scheme not in ("http", "https"):
        raise ValueError("the offer's link must be an http or https address")
    lang = "en" if lang == "en" else "nb"
    texts = _TEXTS[lang]
    why = texts["why" if opt_out_url else "why_member"].format(club=club_name)
    footer_url = opt_out_url or manage_url or ""
    footer_label = texts["unsubscribe" if opt_out_url else "manage"]
    link_block = f"\n{texts['button']}: {link_url}\n" if link_url else ""
    plain = _template("marketing_email.txt").substitute(
        title=title,
        body=body.strip(),
        link_block=link_block,
        why=why,
        unsubscribe_label=footer_label,
        opt_out_url=footer_url,
    )
    button = (
        _template("marketing_email_button.html").substitute(
            link_url=html.escape(link_url, quote=True), label=html.escape(texts["button"])
        )
        if link_url
        else ""
    )
    rich = _template("marketing_email.html").substitute(
        lang=lang,
        club=html.escape(club_name),
        title=html.escape(title),
        body_html=_paragraphs(body),
        button_html=button,
        why=html.escape(why),
        unsubscribe_label=html.escape(footer_label),
        opt_out_url=html.escape(footer_url, quote=True),
    )
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = to
    mail["Subject"] = title
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id if message_id.startswith("<") else f"<{message_id}>"
    if opt_out_url:
        mail["List-Unsubscribe"] = f"<{opt_out_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: the mail client POSTs the link
    # Quoted-printable: 7-bit safe through any relay, and æøå stay readable in the source.
    mail.set_content(plain, charset="utf-8", cte="quoted-printable")
    mail.add_alternative(rich, subtype="html", charset="utf-8", cte="quoted-printable")
    return mail


def connect(settings: Settings) -> smtplib.SMTP:
    """An open, logged-in SMTP connection (blocking: call it in a thread)."""
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp


_ENHANCED_CODE = re.compile(rb"^\s*([245]\.\d{1,3}\.\d{1,3})")


def _reason(code: int, message: bytes | str, what: str) -> str:
    """ "550 5.1.1 recipient refused": the server's own words may quote the address, so only its codes."""
    raw = message.encode(errors="replace") if isinstance(message, str) else message
    enhanced = _ENHANCED_CODE.match(raw or b"")
    return f"{code} {enhanced.group(1).decode()} {what}" if enhanced else f"{code} {what}"


def classify(exc: Exception) -> MailOutcome:
    """A 5xx to the recipient or the message is a hard bounce; a 4xx, a refused or dropped connection, a
    timeout, a failed login or a refused sender (our side, not the member's address) is worth another try."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(exc.recipients.values()), (0, b""))
        return _bounce_or_retry(code, _reason(code, message, "recipient refused"))
    if isinstance(exc, smtplib.SMTPSenderRefused):  # our MAIL_FROM (SPF, relay): never the member's address
        return MailOutcome("retry", _reason(exc.smtp_code, exc.smtp_error, "sender refused"))
    if isinstance(exc, smtplib.SMTPDataError):
        return _bounce_or_retry(exc.smtp_code, _reason(exc.smtp_code, exc.smtp_error, "message refused"))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailOutcome("retry", _reason(exc.smtp_code, exc.smtp_error, "login refused"))
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailOutcome("retry", _reason(exc.smtp_code, exc.smtp_error, "server refused"))
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailOutcome("retry", "server disconnected")
    return MailOutcome("retry", type(exc).__name__)  # ConnectionRefusedError, TimeoutError, ...


def _bounce_or_retry(code: int, reason: str) -> MailOutcome:
    return MailOutcome("bounced" if 500 <= code <= 599 else "retry", reason)


class SmtpSession:
    """Several mails over one SMTP connection: `async with SmtpSession(settings) as smtp: await smtp.send(m)`.

    The connection opens at the first mail. One the server has dropped since the previous mail (an idle
    timeout) is opened again once; a fresh connection that fails is the mail's "retry"."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    async def __aenter__(self) -> SmtpSession:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self._close)

    async def send(self, mail: EmailMessage) -> MailOutcome:
        outcome = await asyncio.to_thread(self._send_blocking, mail)
        if outcome.result != "sent":
            log.warning("marketing e-mail not sent (%s): %s", outcome.result, outcome.error)
        return outcome

    def _send_blocking(self, mail: EmailMessage) -> MailOutcome:
        reused = self._smtp is not None
        try:
            try:
                self._connection().send_message(mail)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:  # a fresh connection failed: the mail's "retry", not a stale one to reopen
                    raise
                self._close()  # dropped while idle since the previous mail: once more on a new one
                self._connection().send_message(mail)
        except Exception as exc:
            if not isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
                self._close()  # smtplib resets the transaction after these; other errors leave it unknown
            return classify(exc)
        return MailOutcome("sent")

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = connect(self.settings)
        return self._smtp

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


async def send_mail(settings: Settings, mail: EmailMessage) -> MailOutcome:
    """One mail on a connection of its own."""
    async with SmtpSession(settings) as session:
        return await session.send(mail)
