"""The words a message goes out with on each channel: the SMS text (with its opt-out link) and the
e-mail, built the same way for the composer's preview and for the worker that sends them, so the
owner sees exactly what members get and what it costs."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import urlsplit

import msgspec

from backend.messaging import email
from backend.settings import Settings
from digital_stampcard import sms
from digital_stampcard.channels import marketing_sms
from digital_stampcard.opt_out import OptOut, OptOutChannel, make_token

# The preview's opt-out link has the length of a real one for a large club (the SMS cost depends on it).
SAMPLE_OPT_OUT = OptOut(member_id=9_999_999, channel="sms", campaign_id=99_999)


def opt_out_url(settings: Settings, member_id: int, channel: OptOutChannel, campaign_id: int | None) -> str:
    token = make_token(settings.secret_key, OptOut(member_id, channel, campaign_id))
    return f"{settings.public_url.rstrip('/')}/u/{token}"


def app_url(settings: Settings, path: str) -> str:
    return f"{settings.public_url.rstrip('/')}{path}"


def sms_text(club_name: str, lang: str, title: str, body: str, opt_out: str | None) -> str:
    """A marketing SMS carries its opt-out link; a service SMS (a reward that is ready) does not."""
    if opt_out is not None:
        return marketing_sms(club_name, title, body, opt_out, lang)
    return f"{club_name}: {title}\n{body}"


class SmsPreview(msgspec.Struct, kw_only=True):
    text: str
    segments: int
    encoding: str
    units: int  # septets (GSM-7) or UTF-16 units (UCS-2)


def sms_preview(settings: Settings, club_name: str, lang: str, title: str, body: str) -> SmsPreview:
    """The SMS a member gets, with an opt-out link as long as a real one."""
    sample = opt_out_url(settings, SAMPLE_OPT_OUT.member_id, "sms", SAMPLE_OPT_OUT.campaign_id)
    text = sms_text(club_name, lang, title, body, sample)
    counted = sms.segments(text)
    return SmsPreview(text=text, segments=counted.count, encoding=counted.encoding, units=counted.units)


def email_message(
    settings: Settings,
    *,
    club_name: str,
    to: str,
    lang: str,
    title: str,
    body: str,
    link_path: str,
    opt_out_url: str | None,
    message_id: str,
) -> EmailMessage:
    """The e-mail (text and HTML), its Message-ID fixed by `message_id` so a resend is the same message."""
    domain = urlsplit(settings.public_url).hostname or "localhost"
    return email.marketing_email(
        club_name=club_name,
        mail_from=settings.mail_from,
        to=to,
        lang=lang,
        title=title,
        body=body,
        link_url=app_url(settings, link_path),
        opt_out_url=opt_out_url,
        message_id=f"<{message_id}@{domain}>",
        manage_url=app_url(settings, "/me"),
    )


def plain_text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


class MailPreview(msgspec.Struct, kw_only=True):
    subject: str
    html: str
    text: str


def email_preview(settings: Settings, club_name: str, lang: str, title: str, body: str) -> MailPreview:
    sample = opt_out_url(settings, SAMPLE_OPT_OUT.member_id, "email", SAMPLE_OPT_OUT.campaign_id)
    mail = email_message(
        settings,
        club_name=club_name,
        to="medlem@example.invalid",
        lang=lang,
        title=title,
        body=body,
        link_path="/",
        opt_out_url=sample,
        message_id="preview",
    )
    html = mail.get_body(("html",))
    return MailPreview(
        subject=str(mail["Subject"]),
        html=str(html.get_content()) if html is not None else "",
        text=plain_text(mail),
    )
