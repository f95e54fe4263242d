"""Owner campaigns: the message rules, where a tap leads, and when each member gets it.

Pure: the clock is an argument. Who is reached is `segments`; when a push may go out (consent, the
weekly cap, quiet hours) is `notifications.decide`, applied again by the dispatcher at send time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

import msgspec

from digital_stampcard.errors import DomainError

Target = Literal["offer", "card", "rewards"]
TARGETS: tuple[Target, ...] = get_args(Target)
TITLE_MAX, BODY_MAX = 60, 200  # a phone shows about this much of a notification
MAX_LEAD = timedelta(days=7)
MAX_AHEAD = timedelta(days=366)
SEND_NOW_GRACE = timedelta(minutes=5)  # a time just past (a slow form) still means "now"


def stored_target(value: str) -> Target:
    """A saved campaign's target, as its row holds it (the API admitted only these)."""
    for target in TARGETS:
        if value == target:
            return target
    raise ValueError(f"unknown campaign target {value!r}")


class Message(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    body: str
    title_en: str | None = None
    body_en: str | None = None

    def for_lang(self, lang: str) -> tuple[str, str]:
        if lang == "en" and self.title_en and self.body_en:
            return self.title_en, self.body_en
        return self.title, self.body


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    text = " ".join((value or "").split())  # one line on a lock screen: no stray newlines or double spaces
    if not text:
        if required:
            raise DomainError(f"campaign_{field}_missing", "Write a title and a text.", field=field)
        return None
    if len(text) > limit:
        raise DomainError(f"campaign_{field}_too_long", f"At most {limit} characters.", field=field, limit=limit)
    return text


def clean_message(title: str, body: str, title_en: str | None, body_en: str | None) -> Message:
    """Trimmed texts within the limits; the English version is optional but needs both parts."""
    clean_title = _text(title, "title", TITLE_MAX, required=True) or ""
    clean_body = _text(body, "body", BODY_MAX, required=True) or ""
    en_title = _text(title_en, "title_en", TITLE_MAX, required=False)
    en_body = _text(body_en, "body_en", BODY_MAX, required=False)
    if (en_title is None) != (en_body is None):
        missing = "title_en" if en_title is None else "body_en"
        detail = "The English version needs both a title and a text."
        raise DomainError(f"campaign_{missing}_missing", detail, field=missing)
    return Message(title=clean_title, body=clean_body, title_en=en_title, body_en=en_body)


def navigate_for(target: Target, campaign_id: int) -> str:
    """The screen a tap opens: the offer itself, the stamp card, or the member's rewards."""
    if target == "offer":
        return f"/offer/{campaign_id}"
    return "/?show=rewards" if target == "rewards" else "/"


class Schedule(msgspec.Struct, frozen=True):
    send_at: datetime  # everyone outside early access
    release_at: datetime  # the early tiers (= send_at without early access)


def schedule(requested: datetime | None, lead: timedelta, now: datetime) -> Schedule:
    """ "Send now" with a head start means the early tiers get it now and the others `lead` later."""
    if lead < timedelta(0) or lead > MAX_LEAD:
        raise DomainError("campaign_lead_invalid", "The head start is between 0 and 7 days.", field="early_access")
    if requested is not None and requested.utcoffset() is None:
        raise DomainError("campaign_time_invalid", "Give the time with its time zone.", field="send_at")
    if requested is not None and requested < now - SEND_NOW_GRACE:
        raise DomainError("campaign_time_past", "That time has passed. Pick a later time.", field="send_at")
    if requested is not None and requested > now + MAX_AHEAD:
        raise DomainError("campaign_time_too_far", "Plan at most a year ahead.", field="send_at")
    if requested is not None and requested - lead < now - SEND_NOW_GRACE:
        raise DomainError(
            "campaign_head_start_past",
            "With that head start the early tiers would get it in the past: pick a later time or a shorter head start.",
            field="early_access",
        )
    send_at = max(requested or now, now + lead).astimezone(UTC)
    return Schedule(send_at=send_at, release_at=send_at - lead)


Status = Literal["scheduled", "sending", "sent", "cancelled"]


def status_of(stored: str, unfinished: int) -> Status:
    """What the owner sees: a released campaign is "sending" while any message still waits
    (early access, quiet hours, a retry) and "sent" after."""
    if stored == "scheduled":
        return "scheduled"
    if stored == "cancelled":
        return "cancelled"
    return "sending" if unfinished else "sent"
