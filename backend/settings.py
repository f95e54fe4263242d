"""Settings from environment variables, every one documented in README.md. Nothing is read at import."""

from __future__ import annotations

import os
from typing import Literal

import msgspec

Environment = Literal["development", "test", "production"]
PLACEHOLDER_SECRET = "dev-only-not-secret"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    environment: Environment = "development"
    database_url: str = "sqlite:///var/stampcard.sqlite3"
    secret_key: str = PLACEHOLDER_SECRET
    public_url: str = "http://localhost:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    trust_forwarded_headers: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    redis_url: str = ""
    email_transport: Literal["outbox", "smtp"] = "outbox"
    sms_transport: Literal["outbox"] = "outbox"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "Digital Stampcard <no-reply@localhost>"
    otp_sends_per_identifier_per_hour: int = 5
    otp_sends_per_ip_per_hour: int = 30
    staff_logins_per_ip_per_10_minutes: int = 20  # a store's devices share one IP
    staff_logins_per_user_per_10_minutes: int = 10  # per username from one IP: a stranger cannot lock anyone out
    passkey_logins_per_ip_per_10_minutes: int = 30  # each: passkey login options, and passkey logins
    otp_daily_budget: int = 2000
    manual_entries_per_device_per_hour: int = 30
    member_session_days: int = 180
    staff_session_hours: int = 12
    db_pool_size: int = 20
    vapid_private_key: str = ""  # base64url raw P-256 key or PEM; empty: a dev key in var/ (push off in production)
    vapid_subject: str = "mailto:push@digital-stampcard.example"
    push_dispatcher: Literal["inprocess", "off"] = "inprocess"
    push_concurrency: int = 64
    push_claim_lease_seconds: float = 60  # a dead worker's claimed pushes are sent again after this
    we_miss_you_days: int = 45
    marketing_pushes_per_week: int = 2  # offers and "vi savner deg" together, per member
    metrics_token: str = ""  # /metrics needs it outside development; empty there: /metrics is off
    metrics_port: int = 0  # `stampcard worker` serves its metrics on this port; 0: off

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_tools_enabled(self) -> bool:
        return self.environment in ("development", "test")

    def check(self) -> None:
        """Outside development, placeholder or short secrets are refused."""
        if self.environment != "production":
            return
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be set to a random value of at least 32 characters in production")
        if not self.public_url.startswith("https://"):
            raise ValueError("PUBLIC_URL must be https:// in production")
        if self.vapid_private_key and not self.vapid_subject.startswith(("mailto:", "https:")):
            raise ValueError("VAPID_SUBJECT must be a real mailto: or https: URI")


_ENV_NAMES = {
    "environment": "STAMPCARD_ENV",
    "database_url": "DATABASE_URL",
    "secret_key": "SECRET_KEY",
    "public_url": "PUBLIC_URL",
    "host": "STAMPCARD_HOST",
    "port": "STAMPCARD_PORT",
    "allowed_hosts": "ALLOWED_HOSTS",
    "trust_forwarded_headers": "TRUST_FORWARDED_HEADERS",
    "forwarded_allow_ips": "FORWARDED_ALLOW_IPS",
    "redis_url": "REDIS_URL",
    "email_transport": "EMAIL_TRANSPORT",
    "sms_transport": "SMS_TRANSPORT",
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


def settings_from_env(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    env = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for field, name in _ENV_NAMES.items():
        if name in env:
            value: object = env[name]
            if field == "allowed_hosts":
                value = [h.strip() for h in str(value).split(",") if h.strip()]
            raw[field] = value
    raw.update(overrides)
    settings = msgspec.convert(raw, Settings, strict=False)
    settings.check()
    return settings
