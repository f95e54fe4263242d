"""Push notification policy: consent, the weekly marketing cap, quiet hours, delivery headers,
texts (nb/en), the Declarative Web Push payload, dedupe keys and retry backoff.

Pure: the clock is an argument and nothing here sends anything. Times go in and out aware; every
`send_at` is UTC. The caller records each marketing push it sends *or schedules* (action "send" or
"defer") in `MemberPushState.marketing_sent`, so the cap also counts pushes waiting for the morning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, get_args
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import msgspec

from digital_stampcard.errors import DomainError
from digital_stampcard.retries import backoff
from digital_stampcard.tiers import DEMOTION_WARNING_DAYS

Kind = Literal[
    "stamp_received",
    "reward_ready",
    "reward_expiring",
    "points_expiring",
    "tier_reached",
    "tier_demotion_warning",
    "birthday",
    "anniversary",
    "surprise",
    "referral",
    "we_miss_you",
    "welcome",
    "campaign",
]
Urgency = Literal["very-low", "low", "normal", "high"]
Action = Literal["send", "defer", "skip"]
Reason = Literal["ok", "quiet_hours", "no_consent", "service_off", "weekly_cap", "duplicate"]

ALL_KINDS: tuple[Kind, ...] = get_args(Kind)
# Marketing needs the push marketing consent and counts towards the weekly cap. Every other kind is a
# service message (stamp, rewards, tiers, welcome, birthday): no consent needed, but it can be turned off.
MARKETING_KINDS: frozenset[Kind] = frozenset({"campaign", "we_miss_you"})
SERVICE_KINDS: frozenset[Kind] = frozenset(ALL_KINDS) - MARKETING_KINDS
# In-store confirmations: the member is at the till and expects them, so quiet hours don't apply.
IMMEDIATE_KINDS: frozenset[Kind] = frozenset({"stamp_received", "reward_ready", "welcome", "surprise"})

CAP_WINDOW = timedelta(days=7)
MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600
WEB_PUSH_MAGIC = 8030  # Declarative Web Push marker (the RFC number of Web Push)
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4: at most 32 chars of the base64url alphabet


def is_marketing(kind: Kind) -> bool:
    return kind in MARKETING_KINDS


class PushPolicy(msgspec.Struct, frozen=True):
    marketing_per_week: int = 2
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    timezone: str = "Europe/Oslo"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class MemberPushState(msgspec.Struct, frozen=True):
    service_enabled: bool
    marketing_consent: bool  # push marketing consent, as the consent ledger says now
    marketing_sent: list[datetime] = msgspec.field(default_factory=list)  # sent or scheduled, UTC


class Decision(msgspec.Struct, frozen=True):
    action: Action
    send_at: datetime  # UTC; for "skip" the moment it would have gone out
    reason: Reason


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def in_quiet_hours(now: datetime, policy: PushPolicy) -> bool:
    """Quiet hours run from `quiet_start` (inclusive) to `quiet_end` (exclusive), local wall time."""
    local = _utc(now).astimezone(policy.tz).time().replace(tzinfo=None)
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_quiet_end(now: datetime, policy: PushPolicy) -> datetime:
    """The first local `quiet_end` strictly after `now`, in UTC (right on both sides of a DST change)."""
    now_utc = _utc(now)
    local_day = now_utc.astimezone(policy.tz).date()
    for offset in range(3):
        candidate = datetime.combine(local_day + timedelta(days=offset), policy.quiet_end, tzinfo=policy.tz)
        candidate_utc = candidate.astimezone(UTC)
        if candidate_utc > now_utc:
            return candidate_utc
    raise AssertionError("unreachable: a local day always has a quiet_end")  # pragma: no cover


def _busiest_window(send_at: datetime, sent: list[datetime]) -> int:
    """The most pushes in any 7-day window [a, a + 7 d) that also contains `send_at`.

    A window's count only rises when its start passes `t - 7 d` for a later push t, so the
    earliest start and those just past each such point are the only candidates to check.
    """
    times = [_utc(t) for t in sent]
    tick = timedelta(microseconds=1)
    starts = [send_at - CAP_WINDOW + tick]
    starts += [t - CAP_WINDOW + tick for t in times if send_at < t < send_at + CAP_WINDOW]
    return max(sum(1 for t in times if start <= t < start + CAP_WINDOW) for start in starts)


def decide(
    kind: Kind, now: datetime, state: MemberPushState, policy: PushPolicy, *, duplicate: bool = False
) -> Decision:
    """Send now, defer to the end of quiet hours, or skip. Deferred messages are never dropped.

    A marketing push is skipped for the weekly cap when some 7-day window that would contain it
    already holds `marketing_per_week` marketing pushes, so no window ever holds more than the cap.
    """
    now_utc = _utc(now)
    if duplicate:
        return Decision("skip", now_utc, "duplicate")
    if kind in MARKETING_KINDS and not state.marketing_consent:
        return Decision("skip", now_utc, "no_consent")
    if kind in SERVICE_KINDS and not state.service_enabled:
        return Decision("skip", now_utc, "service_off")
    deferred = kind not in IMMEDIATE_KINDS and in_quiet_hours(now_utc, policy)
    send_at = next_quiet_end(now_utc, policy) if deferred else now_utc
    if kind in MARKETING_KINDS and _busiest_window(send_at, state.marketing_sent) >= policy.marketing_per_week:
        return Decision("skip", send_at, "weekly_cap")
    return Decision("defer", send_at, "quiet_hours") if deferred else Decision("send", send_at, "ok")


# --- delivery headers ------------------------------------------------------------------------------


class Delivery(msgspec.Struct, frozen=True):
    """Web Push headers: `TTL` (seconds), `Urgency`, and `Topic` for messages that replace each other."""

    ttl: int
    urgency: Urgency
    topic: str | None = None

    def __post_init__(self) -> None:
        if self.ttl <= 0:
            raise ValueError("TTL must be positive: 0 drops the message when the phone is offline")
        if self.topic is not None and not _TOPIC.fullmatch(self.topic):
            raise ValueError("a topic is at most 32 characters of the URL-safe base64 alphabet")


HOUR, DAY = 3600, 86400
DELIVERY: Mapping[Kind, Delivery] = {
    "stamp_received": Delivery(HOUR, "high", "card"),  # a newer stamp count replaces an older one
    "reward_ready": Delivery(DAY, "high", "rewards"),
    "reward_expiring": Delivery(DAY, "normal"),
    "points_expiring": Delivery(DAY, "normal", "points"),  # a newer reminder replaces an older one
    "tier_reached": Delivery(2 * DAY, "normal", "tier"),
    "tier_demotion_warning": Delivery(3 * DAY, "low", "tier"),  # a newer tier message replaces a warning
    "birthday": Delivery(DAY, "normal"),
    "anniversary": Delivery(DAY, "normal"),
    "surprise": Delivery(DAY, "high"),
    "referral": Delivery(2 * DAY, "normal"),
    "we_miss_you": Delivery(3 * DAY, "low"),
    "welcome": Delivery(DAY, "normal"),
    "campaign": Delivery(2 * DAY, "normal"),
}


def delivery_for(kind: Kind, data: Mapping[str, object] | None = None) -> Delivery:
    """The headers for one message of `kind`. A campaign carries its own Topic, `c{campaign_id}`: a copy
    the push service still holds for an offline phone is replaced by a later copy of the same campaign
    (a resend after a crash), never by another campaign."""
    base = DELIVERY[kind]
    if kind == "campaign" and data is not None and "campaign_id" in data:
        return Delivery(base.ttl, base.urgency, f"c{data['campaign_id']}")  # refuses an id that is no topic
    return base


# --- texts and payload -----------------------------------------------------------------------------


class Notification(msgspec.Struct, frozen=True):
    title: str
    body: str
    navigate: str  # a same-origin path: "/", "/?reward=12", "/offers/3"
    tag: str  # the phone replaces a shown notification with the same tag
    lang: str = "nb"


def safe_path(path: str) -> str:
    """Accept only a same-origin absolute path (no scheme, no host, no `//` or backslash tricks)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or any(ord(c) < 33 for c in path):
        raise DomainError("invalid_navigate", "A notification can only open a page in this app.", path=path)
    return path


def _plural(n: int, lang: str, nb: tuple[str, str], en: tuple[str, str]) -> str:
    one, many = nb if lang == "nb" else en
    return f"{n} {one if n == 1 else many}"


# (title, body) per kind and language. Fields come from `data` plus the derived ones in `_fields`.
_TEXTS: Mapping[Kind, Mapping[str, tuple[str, str]]] = {
    "stamp_received": {
        "nb": ("Stempel registrert", "Du har nå {stamps} av {capacity} stempler."),
        "en": ("Stamp added", "You now have {stamps} of {capacity} stamps."),
    },
    "reward_ready": {
        "nb": ("Belønningen din er klar!", "{reward} venter på deg."),
        "en": ("Your reward is ready!", "{reward} is waiting for you."),
    },
    "reward_expiring": {
        "nb": ("{reward} går ut {when}", "Vis kortet i butikken for å bruke den."),
        "en": ("{reward} expires {when}", "Show your card in store to use it."),
    },
    "points_expiring": {
        "nb": ("{points_text} går ut {when}", "Bruk dem i butikken før de forsvinner."),
        "en": ("{points_text} expiring {when}", "Use them in store before they go."),
    },
    "tier_reached": {
        "nb": ("Gratulerer, du er nå {tier}!", "Se de nye fordelene dine."),
        "en": ("Congratulations, you are now {tier}!", "See your new benefits."),
    },
    "tier_demotion_warning": {
        "nb": ("Nivået ditt vurderes snart", "Om {in_days} går du ned til {tier}, med mindre du samler {more} til."),
        "en": ("Your tier review is coming up", "In {in_days} you move to {tier} unless you collect {more} more."),
    },
    "birthday": {
        "nb": ("Gratulerer med dagen{to_name}!", "{gift}"),
        "en": ("Happy birthday{to_name}!", "{gift}"),
    },
    "anniversary": {
        "nb": ("{years_text} i klubben!", "Takk for at du er med. Vi har en gave til deg: {reward}."),
        "en": ("{years_text} in the club!", "Thank you for being with us. We have a gift for you: {reward}."),
    },
    "surprise": {
        "nb": ("En liten overraskelse til deg", "Takk for besøket! Du har fått {reward}."),
        "en": ("A little surprise for you", "Thanks for coming in! You got {reward}."),
    },
    "referral": {
        "nb": ("Takk for at du vervet en venn!", "Vennen din har vært innom for første gang. Du har fått {reward}."),
        "en": ("Thanks for bringing a friend!", "Your friend has been in for the first time. You got {reward}."),
    },
    "we_miss_you": {
        "nb": ("Vi savner deg", "Det er en stund siden sist. Kortet ditt venter på deg."),
        "en": ("We miss you", "It's been a while. Your card is waiting for you."),
    },
    "welcome": {
        "nb": ("Velkommen i klubben", "Det første stempelet ditt er registrert.{goal}"),
        "en": ("Welcome to the club", "Your first stamp is in.{goal}"),
    },
    "campaign": {"nb": ("{title}", "{body}"), "en": ("{title}", "{body}")},  # the owner's own texts
}

# (navigate, tag) per kind; the phone replaces a shown notification that has the same tag.
_ROUTES: Mapping[Kind, tuple[str, str]] = {
    "stamp_received": ("/", "card"),
    "reward_ready": ("/?reward={reward_ref}", "reward-{reward_ref}"),
    "reward_expiring": ("/?reward={reward_ref}", "reward-{reward_ref}"),  # replaces that reward's "ready"
    "points_expiring": ("/", "points"),
    "tier_reached": ("/", "tier"),
    "tier_demotion_warning": ("/", "tier"),
    "birthday": ("{reward_path}", "birthday"),
    "anniversary": ("{reward_path}", "anniversary"),
    "surprise": ("{reward_path}", "surprise"),
    "referral": ("{reward_path}", "referral-{reward_ref}"),
    "we_miss_you": ("/", "we-miss-you"),
    "welcome": ("/", "welcome"),
    "campaign": ("{navigate}", "{campaign_tag}"),
}

_DAYS = (("dag", "dager"), ("day", "days"))
_STAMPS = (("stempel", "stempler"), ("stamp", "stamps"))
_YEARS = (("år", "år"), ("year", "years"))
_POINTS = (("poeng", "poeng"), ("point", "points"))


def _fields(kind: Kind, lang: str, data: Mapping[str, str | int]) -> dict[str, object]:
    """`data` plus the derived, language-aware fields the templates use."""
    nb = lang == "nb"
    fields: dict[str, object] = {**data}
    if "reward_id" in data:
        fields["reward_ref"] = quote(str(data["reward_id"]), safe="")
    if kind in ("reward_expiring", "points_expiring"):
        days = int(data["days"])
        in_days = f"{'om' if nb else 'in'} {_plural(days, lang, *_DAYS)}"
        fields["when"] = in_days if days > 0 else ("i dag" if nb else "today")
        if kind == "points_expiring":
            fields["points_text"] = _plural(int(data["points"]), lang, *_POINTS)
    elif kind == "tier_demotion_warning":
        fields["in_days"] = _plural(int(data.get("days", DEMOTION_WARNING_DAYS)), lang, *_DAYS)
        fields["more"] = _plural(int(data["needed"]), lang, *_STAMPS)
    elif kind == "birthday":
        fields["to_name"] = f", {data['name']}" if data.get("name") else ""
        # Without a birthday reward (the owner turned it off) the greeting still goes out.
        if data.get("reward"):
            gift = data["reward"]
            fields["gift"] = f"Vi har en gave til deg: {gift}." if nb else f"We have a gift for you: {gift}."
        else:
            fields["gift"] = "Ha en fin dag!" if nb else "Have a lovely day!"
    elif kind == "anniversary":
        fields["years_text"] = _plural(int(data["years"]), lang, *_YEARS)
    elif kind == "welcome":
        goal = " Samle {capacity} og få {reward}." if nb else " Collect {capacity} and get {reward}."
        fields["goal"] = goal.format(**data) if "capacity" in data and "reward" in data else ""
    elif kind == "campaign":
        fields.setdefault("navigate", "/")
        fields["campaign_tag"] = f"campaign-{data['campaign_id']}" if "campaign_id" in data else "campaign"
    if kind in ("birthday", "anniversary", "surprise", "referral"):  # a gift: open it
        fields["reward_path"] = f"/?reward={fields['reward_ref']}" if "reward_ref" in fields else "/"
    return fields


def render(kind: Kind, lang: str, data: Mapping[str, str | int]) -> Notification:
    """The member-facing text in Norwegian bokmål ("nb", the default for any other lang) or English."""
    lang = "en" if lang == "en" else "nb"
    try:
        fields = _fields(kind, lang, data)
        title, body = (template.format(**fields) for template in _TEXTS[kind][lang])
        navigate, tag = (template.format(**fields) for template in _ROUTES[kind])
    except KeyError as missing:
        raise DomainError("notification_data_missing", f"The {kind} text needs {missing}.", kind="invalid") from None
    if not title.strip():
        raise DomainError("notification_title_empty", "A notification needs a title.")
    return Notification(title=title, body=body, navigate=safe_path(navigate), tag=tag, lang=lang)


def declarative_payload(
    notification: Notification, *, badge: int | None = None, origin: str | None = None
) -> dict[str, Any]:
    """The Declarative Web Push JSON (W3C Push API; WebKit's "Declarative Web Push").

    `navigate` stays a path unless `origin` ("https://club.example") is given. Pass the origin:
    WebKit parses `navigate` as an absolute URL and, for a bare path, falls back to the service worker.
    `app_badge` is an unsigned integer at the top level (the W3C parser ignores anything else there);
    WebKit reads it inside `notification` (a digit string or an integer), so it goes in both places.
    """
    navigate = safe_path(notification.navigate)
    if origin is not None:
        parts = urlsplit(origin)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/") or parts.query:
            raise ValueError("origin must look like https://club.example")
        navigate = f"{parts.scheme}://{parts.netloc}{navigate}"
    body: dict[str, Any] = {
        "title": notification.title,
        "body": notification.body,
        "navigate": navigate,
        "lang": notification.lang,
        "tag": notification.tag,
    }
    payload: dict[str, Any] = {"web_push": WEB_PUSH_MAGIC, "notification": body}
    if badge is not None:
        if badge < 0:
            raise ValueError("the app badge is a count, never negative")
        payload["app_badge"] = badge
        body["app_badge"] = badge
    return payload


# --- dedupe and retries ----------------------------------------------------------------------------


def dedupe_key(kind: Kind, member_id: int, ref: str | int | date) -> str:
    """One message per (kind, member, ref): ref is the reward/campaign id, the birthday or
    anniversary year, the surprise or referral reward's id, or
    for "we_miss_you" the date the absence started (so it is sent once per absence)."""
    ref_text = ref.isoformat() if isinstance(ref, date) else str(ref)
    if not ref_text:
        raise ValueError("a dedupe key needs a reference")
    return f"{kind}:{member_id}:{ref_text}"


def retry_delay(attempt: int, retry_after: float | None, jitter: float) -> float:
    """Seconds before retry number `attempt` (1-based) after a 429/5xx.

    Exponential backoff from 30 s, doubling, capped at 1 h; a `Retry-After` is honoured (never
    retry sooner than it says). `jitter` in [0, 1) comes from the caller and adds up to 20 %.
    Give up once `attempt` reaches `MAX_ATTEMPTS`.
    """
    return backoff(attempt, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS, jitter=jitter, retry_after=retry_after)
