"""Settings from environment variables, every one documented in README.md. Nothing is read at import.

A wrong value stops start-up with one line (`SettingsError`) naming the variable and what it
allows; `stampcard` prints that line instead of a traceback."""

from __future__ import annotations

import base64
import ipaddress
import os
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import msgspec

from digital_stampcard import sms as sms_rules

Environment = Literal["development", "test", "production"]
PLACEHOLDER_SECRET = "dev-only-not-secret"

AtLeastOne = Annotated[int, msgspec.Meta(ge=1)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
OptionalPort = Annotated[int, msgspec.Meta(ge=0, le=65535)]
Seconds = Annotated[float, msgspec.Meta(gt=0)]
Nok = Annotated[float, msgspec.Meta(ge=0, le=100)]


class SettingsError(ValueError):
    """One line for the operator: the variable, and what it allows."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    environment: Environment = "development"
    database_url: str = "sqlite:///var/stampcard.sqlite3"
    secret_key: str = PLACEHOLDER_SECRET
    public_url: str = "http://localhost:8000"
    host: str = "127.0.0.1"
    port: Port = 8000
    server_processes: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1  # `stampcard serve` runs this many
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    trust_forwarded_headers: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    redis_url: str = ""
    email_transport: Literal["outbox", "smtp"] = "outbox"
    sms_transport: Literal["outbox", "generic", "linkmobility", "sveve", "twilio"] = "outbox"
    sms_sender_id: str = "Stampcard"  # the name (11 letters or digits) or number members see
    sms_gateway_url: str = ""  # the gateway's API address; empty: its public one (required for generic)
    sms_gateway_username: str = ""  # LINK Mobility or Sveve user, Twilio account SID
    sms_gateway_password: str = ""  # LINK Mobility or Sveve password, Twilio auth token, generic bearer token
    sms_link_platform_id: str = ""
    sms_link_platform_partner_id: str = ""
    sms_link_gate_id: str = ""  # the LINK Mobility gate that posts delivery reports to the app
    sms_callback_token: str = ""  # the secret in the delivery-report address the gateway calls
    sms_daily_segment_budget: AtLeastOne = 1000  # SMS segments per day for the whole club
    sms_timeout_seconds: Seconds = 10
    sms_price_nok_per_segment: Nok = 0.45  # what the gateway charges; the campaign preview shows the cost
    smtp_host: str = "localhost"
    smtp_port: Port = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "Digital Stampcard <no-reply@localhost>"
    otp_sends_per_identifier_per_hour: AtLeastOne = 5
    otp_sends_per_ip_per_hour: AtLeastOne = 30
    staff_logins_per_ip_per_10_minutes: AtLeastOne = 20  # a store's devices share one IP
    staff_logins_per_user_per_10_minutes: AtLeastOne = 10  # per username from one IP: a stranger cannot lock anyone out
    passkey_logins_per_ip_per_10_minutes: AtLeastOne = 30  # each: passkey login options, and passkey logins
    otp_daily_budget: AtLeastOne = 2000
    manual_entries_per_device_per_hour: AtLeastOne = 30
    member_session_days: AtLeastOne = 180
    staff_session_hours: AtLeastOne = 12
    db_pool_size: AtLeastOne = 20
    vapid_private_key: str = ""  # base64url raw P-256 key or PEM; empty: a dev key in var/ (push off in production)
    vapid_subject: str = "mailto:push@digital-stampcard.example"
    push_dispatcher: Literal["inprocess", "off"] = "inprocess"
    push_concurrency: AtLeastOne = 64
    push_claim_lease_seconds: Seconds = 60  # a dead worker's claimed pushes are sent again after this
    we_miss_you_days: AtLeastOne = 45
    marketing_pushes_per_week: Annotated[int, msgspec.Meta(ge=0)] = 2  # offers and "vi savner deg" together, per member
    metrics_token: str = ""  # /metrics needs it outside development; empty there: /metrics is off
    metrics_port: OptionalPort = 0  # `stampcard worker` serves its metrics on this port; 0: off

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_tools_enabled(self) -> bool:
        return self.environment in ("development", "test")

    def check(self) -> None:
        """What a field's type cannot say: formats always, and secrets that production must have."""
        _require(
            self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")),
            "DATABASE_URL",
            "must start with sqlite:/// or postgresql://",
        )
        _require(bool(self.host.strip()), "STAMPCARD_HOST", "must be an address to listen on, e.g. 0.0.0.0")
        _require(_is_web_url(self.public_url), "PUBLIC_URL", "must be an http:// or https:// address with a host")
        _require(
            not self.redis_url or self.redis_url.startswith(("redis://", "rediss://", "unix://")),
            "REDIS_URL",
            "must be empty or start with redis://, rediss:// or unix://",
        )
        _require(
            all(host and "/" not in host for host in self.allowed_hosts),
            "ALLOWED_HOSTS",
            "must be host names separated by commas",
        )
        _require(
            _is_address_list(self.forwarded_allow_ips),
            "FORWARDED_ALLOW_IPS",
            "must be * or IP addresses and networks separated by commas, e.g. 172.16.0.0/12",
        )
        _require(
            "@" in parseaddr(self.mail_from)[1], "MAIL_FROM", "must be an e-mail address, e.g. Kafé <post@kafe.no>"
        )
        _require(
            self.vapid_subject.startswith(("mailto:", "https:")) or not self.is_production,
            "VAPID_SUBJECT",
            "must be a mailto: or https: URI",
        )
        _require(
            _is_vapid_key(self.vapid_private_key),
            "VAPID_PRIVATE_KEY",
            "must be a PEM key or the base64url raw key that `stampcard vapid` prints",
        )
        self._check_sms()
        if not self.is_production:
            return
        _require(
            self.secret_key != PLACEHOLDER_SECRET and len(self.secret_key) >= 32,
            "SECRET_KEY",
            "must be set to a random value of at least 32 characters in production",
        )
        _require(self.public_url.startswith("https://"), "PUBLIC_URL", "must be https:// in production")
        _require(
            self.email_transport != "smtp" or bool(self.smtp_host),
            "SMTP_HOST",
            "must name the mail server when EMAIL_TRANSPORT is smtp",
        )

    def _check_sms(self) -> None:
        _require(
            sms_rules.is_valid_sender_id(self.sms_sender_id),
            "SMS_SENDER_ID",
            "must be at most 11 letters, digits or spaces with a letter, or a phone number",
        )
        _require(
            not self.sms_gateway_url or _is_web_url(self.sms_gateway_url),
            "SMS_GATEWAY_URL",
            "must be an http:// or https:// address",
        )
        gateway = self.sms_transport
        if gateway == "outbox":
            return
        _require(gateway != "generic" or bool(self.sms_gateway_url), "SMS_GATEWAY_URL", "must be set for generic")
        needs_user = gateway in ("linkmobility", "sveve", "twilio")
        _require(
            not needs_user or bool(self.sms_gateway_username), "SMS_GATEWAY_USERNAME", f"must be set for {gateway}"
        )
        _require(bool(self.sms_gateway_password), "SMS_GATEWAY_PASSWORD", f"must be set for {gateway}")
        if gateway == "linkmobility":
            _require(bool(self.sms_link_platform_id), "SMS_LINK_PLATFORM_ID", "must be set for linkmobility")
            _require(
                bool(self.sms_link_platform_partner_id),
                "SMS_LINK_PLATFORM_PARTNER_ID",
                "must be set for linkmobility",
            )
        _require(
            len(self.sms_callback_token) >= 24,
            "SMS_CALLBACK_TOKEN",
            "must be a random value of at least 24 characters when an SMS gateway is set",
        )


def _require(ok: bool, name: str, allowed: str) -> None:
    if not ok:
        raise SettingsError(f"{name} {allowed}")


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_address_list(text: str) -> bool:
    if text.strip() == "*":
        return True
    try:
        return all(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(","))
    except ValueError:
        return False


def _is_vapid_key(text: str) -> bool:
    text = text.strip()
    if not text or text.startswith("-----BEGIN"):
        return True  # a PEM key is parsed by the push slice, which names it when it is broken
    try:
        return len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) == 32
    except ValueError:
        return False


_ENV_NAMES = {
    "environment": "STAMPCARD_ENV",
    "database_url": "DATABASE_URL",
    "secret_key": "SECRET_KEY",
    "public_url": "PUBLIC_URL",
    "host": "STAMPCARD_HOST",
    "port": "STAMPCARD_PORT",
    "server_processes": "STAMPCARD_WORKERS",
    "allowed_hosts": "ALLOWED_HOSTS",
    "trust_forwarded_headers": "TRUST_FORWARDED_HEADERS",
    "forwarded_allow_ips": "FORWARDED_ALLOW_IPS",
    "redis_url": "REDIS_URL",
    "email_transport": "EMAIL_TRANSPORT",
    "sms_transport": "SMS_TRANSPORT",
    "sms_sender_id": "SMS_SENDER_ID",
    "sms_gateway_url": "SMS_GATEWAY_URL",
    "sms_gateway_username": "SMS_GATEWAY_USERNAME",
    "sms_gateway_password": "SMS_GATEWAY_PASSWORD",
    "sms_link_platform_id": "SMS_LINK_PLATFORM_ID",
    "sms_link_platform_partner_id": "SMS_LINK_PLATFORM_PARTNER_ID",
    "sms_link_gate_id": "SMS_LINK_GATE_ID",
    "sms_callback_token": "SMS_CALLBACK_TOKEN",
    "sms_daily_segment_budget": "SMS_DAILY_SEGMENT_BUDGET",
    "sms_timeout_seconds": "SMS_TIMEOUT_SECONDS",
    "sms_price_nok_per_segment": "SMS_PRICE_NOK_PER_SEGMENT",
    "smtp_host": "SMTP_HOST",
    "smtp_port": "SMTP_PORT",
    "smtp_username": "SMTP_USERNAME",
    "smtp_password": "SMTP_PASSWORD",
    "smtp_starttls": "SMTP_STARTTLS",
    "mail_from": "MAIL_FROM",
    "otp_sends_per_identifier_per_hour": "OTP_SENDS_PER_IDENTIFIER_PER_HOUR",
    "otp_sends_per_ip_per_hour": "OTP_SENDS_PER_IP_PER_HOUR",
    "staff_logins_per_ip_per_10_minutes": "STAFF_LOGINS_PER_IP_PER_10_MINUTES",
    "staff_logins_per_user_per_10_minutes": "STAFF_LOGINS_PER_USER_PER_10_MINUTES",
    "passkey_logins_per_ip_per_10_minutes": "PASSKEY_LOGINS_PER_IP_PER_10_MINUTES",
    "otp_daily_budget": "OTP_DAILY_BUDGET",
    "manual_entries_per_device_per_hour": "MANUAL_ENTRIES_PER_DEVICE_PER_HOUR",
    "member_session_days": "MEMBER_SESSION_DAYS",
    "staff_session_hours": "STAFF_SESSION_HOURS",
    "db_pool_size": "DB_POOL_SIZE",
    "vapid_private_key": "VAPID_PRIVATE_KEY",
    "vapid_subject": "VAPID_SUBJECT",
    "push_dispatcher": "PUSH_DISPATCHER",
    "push_concurrency": "PUSH_CONCURRENCY",
    "push_claim_lease_seconds": "PUSH_CLAIM_LEASE_SECONDS",
    "we_miss_you_days": "WE_MISS_YOU_DAYS",
    "marketing_pushes_per_week": "MARKETING_PUSHES_PER_WEEK",
    "metrics_token": "METRICS_TOKEN",
    "metrics_port": "METRICS_PORT",
}


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    env = _with_secret_files(os.environ if environ is None else environ)
    raw: dict[str, object] = {}
    for field, name in _ENV_NAMES.items():
        if name in env:
            value: object = env[name]
            if field == "allowed_hosts":
                value = [h.strip() for h in str(value).split(",") if h.strip()]
            raw[field] = value
    raw.update(overrides)
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise _type_error(exc, raw) from None
    settings.check()
    return settings


def _with_secret_files(env: Mapping[str, str]) -> Mapping[str, str]:
    """NAME_FILE=/run/secrets/x gives NAME the file's text (Docker secrets), for the secret settings,
    so they need not sit in the environment where `docker inspect` shows them."""
    read: dict[str, str] = {}
    for field in sorted(_SECRET_FIELDS):
        name = _ENV_NAMES[field]
        path = env.get(f"{name}_FILE")
        if not path:
            continue
        _require(name not in env, f"{name}_FILE", f"and {name} are both set; keep one")
        try:
            read[name] = Path(path).read_text().strip()
        except OSError as exc:
            raise SettingsError(f"{name}_FILE names a file that cannot be read ({exc.strerror}): {path}") from None
    return {**env, **read} if read else env


def _type_error(exc: msgspec.ValidationError, raw: dict[str, object]) -> SettingsError:
    """msgspec names the field (`... - at `$.port``); say it as the variable and what it allows."""
    field = str(exc).rpartition("$.")[2].split("[")[0].strip("`")
    name = _ENV_NAMES.get(field, field)
    info = next(f.type for f in msgspec.inspect.type_info(Settings).fields if f.name == field)  # type: ignore[attr-defined]
    shown = "" if field in _SECRET_FIELDS else f" (got {raw.get(field)!r})"
    return SettingsError(f"{name} must be {_allowed(info)}{shown}")


def _allowed(info: msgspec.inspect.Type) -> str:
    if isinstance(info, msgspec.inspect.LiteralType):
        return "one of " + ", ".join(str(v) for v in info.values)
    if isinstance(info, msgspec.inspect.BoolType):
        return "true or false"
    if isinstance(info, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        kind = "a whole number" if isinstance(info, msgspec.inspect.IntType) else "a number"
        low = info.ge if info.ge is not None else info.gt
        if low is not None and info.le is not None:
            return f"{kind} from {low} to {info.le}"
        if info.gt is not None:
            return f"{kind} above {info.gt}"
        return f"{kind} of at least {low}" if low is not None else kind
    return "text"


_SECRET_FIELDS = frozenset(
    {
        "secret_key",
        "smtp_password",
        "vapid_private_key",
        "metrics_token",
        "database_url",
        "sms_gateway_password",
        "sms_callback_token",
    }
)
