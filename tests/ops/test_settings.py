"""Every invalid setting stops start-up with one line naming the variable and what it allows."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from backend.settings import _ENV_NAMES, Settings, SettingsError, settings_from_env
from tests.ops.conftest import run_stampcard, stampcard_env

PRODUCTION = {
    "STAMPCARD_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "PUBLIC_URL": "https://stamps.example.no",
    "VAPID_SUBJECT": "mailto:drift@example.no",
}
LINK = {"SMS_TRANSPORT": "linkmobility", "SMS_GATEWAY_USERNAME": "u", "SMS_GATEWAY_PASSWORD": "p"}
LIMITS = [
    "OTP_SENDS_PER_IDENTIFIER_PER_HOUR",
    "OTP_SENDS_PER_IP_PER_HOUR",
    "STAFF_LOGINS_PER_IP_PER_10_MINUTES",
    "STAFF_LOGINS_PER_USER_PER_10_MINUTES",
    "PASSKEY_LOGINS_PER_IP_PER_10_MINUTES",
    "OTP_DAILY_BUDGET",
    "MANUAL_ENTRIES_PER_DEVICE_PER_HOUR",
    "MEMBER_SESSION_DAYS",
    "STAFF_SESSION_HOURS",
    "DB_POOL_SIZE",
    "PUSH_CONCURRENCY",
    "WE_MISS_YOU_DAYS",
]

# (variable, wrong value, extra environment, what the line must say it allows)
CASES = [
    ("STAMPCARD_ENV", "prod", {}, "one of development, production, test"),
    ("DATABASE_URL", "mysql://db/stampcard", {}, "must start with sqlite:/// or postgresql://"),
    ("SECRET_KEY", "short", PRODUCTION, "at least 32 characters"),
    ("SECRET_KEY", "dev-only-not-secret", PRODUCTION, "at least 32 characters"),
    ("PUBLIC_URL", "stamps.example.no", {}, "http:// or https:// address"),
    ("PUBLIC_URL", "http://stamps.example.no", PRODUCTION, "https:// in production"),
    ("STAMPCARD_HOST", "", {}, "an address to listen on"),
    ("STAMPCARD_PORT", "http", {}, "a whole number from 1 to 65535"),
    ("STAMPCARD_PORT", "70000", {}, "a whole number from 1 to 65535"),
    ("STAMPCARD_WORKERS", "0", {}, "a whole number from 1 to 64"),
    ("STAMPCARD_WORKERS", "two", {}, "a whole number from 1 to 64"),
    ("ALLOWED_HOSTS", "stamps.example.no,https://x/", {}, "host names separated by commas"),
    ("TRUST_FORWARDED_HEADERS", "yes", {}, "true or false"),
    ("FORWARDED_ALLOW_IPS", "proxy", {}, "* or IP addresses and networks"),
    ("FORWARDED_ALLOW_IPS", "10.0.0.0/33", {}, "* or IP addresses and networks"),
    ("REDIS_URL", "127.0.0.1:6379", {}, "redis://, rediss:// or unix://"),
    ("EMAIL_TRANSPORT", "sendmail", {}, "one of outbox, smtp"),
    ("SMTP_HOST", "", {**PRODUCTION, "EMAIL_TRANSPORT": "smtp"}, "when EMAIL_TRANSPORT is smtp"),
    ("SMTP_PORT", "0", {}, "a whole number from 1 to 65535"),
    ("SMTP_STARTTLS", "on", {}, "true or false"),
    ("MAIL_FROM", "nobody", {}, "an e-mail address"),
    *[(name, value, {}, "a whole number of at least 1") for name in LIMITS for value in ("0", "many")],
    ("VAPID_PRIVATE_KEY", "not-a-key", {}, "the base64url raw key that `stampcard vapid` prints"),
    ("VAPID_SUBJECT", "drift@example.no", PRODUCTION, "a mailto: or https: URI"),
    ("PUSH_DISPATCHER", "thread", {}, "one of inprocess, off"),
    ("PUSH_CLAIM_LEASE_SECONDS", "0", {}, "a number above 0"),
    ("PUSH_CLAIM_LEASE_SECONDS", "soon", {}, "a number above 0"),
    ("MARKETING_PUSHES_PER_WEEK", "-1", {}, "a whole number of at least 0"),
    ("METRICS_PORT", "-1", {}, "a whole number from 0 to 65535"),
    ("SMS_TRANSPORT", "smsbox", {}, "one of generic, linkmobility, outbox, sveve, twilio"),
    ("SMS_SENDER_ID", "Kaffe og Kanel", {}, "at most 11 letters, digits or spaces"),
    ("SMS_GATEWAY_URL", "sms.example.no/send", {}, "an http:// or https:// address"),
    ("SMS_GATEWAY_URL", "", {"SMS_TRANSPORT": "generic"}, "must be set for generic"),
    ("SMS_GATEWAY_USERNAME", "", {"SMS_TRANSPORT": "sveve"}, "must be set for sveve"),
    ("SMS_GATEWAY_PASSWORD", "", {"SMS_TRANSPORT": "twilio", "SMS_GATEWAY_USERNAME": "AC1"}, "must be set for twilio"),
    ("SMS_LINK_PLATFORM_ID", "", {**LINK, "SMS_LINK_PLATFORM_PARTNER_ID": "2"}, "must be set for linkmobility"),
    ("SMS_LINK_PLATFORM_PARTNER_ID", "", {**LINK, "SMS_LINK_PLATFORM_ID": "1"}, "must be set for linkmobility"),
    (
        "SMS_CALLBACK_TOKEN",
        "short",
        {"SMS_TRANSPORT": "generic", "SMS_GATEWAY_URL": "https://sms.example.no/send", "SMS_GATEWAY_PASSWORD": "p"},
        "at least 24 characters",
    ),
    ("SMS_DAILY_SEGMENT_BUDGET", "0", {}, "a whole number of at least 1"),
    ("SMS_TIMEOUT_SECONDS", "0", {}, "a number above 0"),
    ("SMS_PRICE_NOK_PER_SEGMENT", "-1", {}, "a number from 0 to 100"),
]
SECRETS = {
    "SECRET_KEY", "SMTP_PASSWORD", "VAPID_PRIVATE_KEY", "METRICS_TOKEN", "DATABASE_URL", "SMS_GATEWAY_PASSWORD",
    "SMS_CALLBACK_TOKEN",
}  # fmt: skip


@pytest.mark.parametrize(("name", "value", "extra", "allowed"), CASES, ids=[f"{c[0]}={c[1]}" for c in CASES])
def test_an_invalid_setting_is_one_line_naming_the_variable(
    name: str, value: str, extra: dict[str, str], allowed: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        settings_from_env({**extra, name: value})
    line = str(raised.value)
    assert line.startswith(f"{name} ") and allowed in line
    assert "\n" not in line
    if name in SECRETS and len(value) > 5:
        assert value not in line  # a wrong secret is named, never shown


def test_every_variable_with_a_rule_has_a_case() -> None:
    """A setting added with a type or a format rule gets its wrong-value case here too."""
    free_text = {"SMTP_USERNAME", "SMTP_PASSWORD", "METRICS_TOKEN", "SMS_LINK_GATE_ID"}  # anything goes, empty included
    assert set(_ENV_NAMES.values()) - free_text == {case[0] for case in CASES}


def test_the_defaults_and_a_full_production_setup_are_valid() -> None:
    assert settings_from_env({}) == Settings()
    settings = settings_from_env({
        **PRODUCTION, "STAMPCARD_WORKERS": "2", "FORWARDED_ALLOW_IPS": "172.16.0.0/12, 10.0.0.5",
        "REDIS_URL": "redis://redis:6379/0", "EMAIL_TRANSPORT": "smtp", "SMTP_HOST": "smtp.example.no",
        "SMTP_STARTTLS": "true", "MAIL_FROM": "Kaffe & Kanel <post@kaffeogkanel.no>",
    })  # fmt: skip
    assert settings.server_processes == 2 and settings.smtp_starttls is True
    assert msgspec.structs.asdict(settings)["forwarded_allow_ips"] == "172.16.0.0/12, 10.0.0.5"


@pytest.mark.parametrize(
    ("name", "value", "command"),
    [
        ("DB_POOL_SIZE", "abc", "migrate"),
        ("STAMPCARD_ENV", "prod", "serve"),
        ("STAMPCARD_WORKERS", "0", "serve"),
        ("FORWARDED_ALLOW_IPS", "proxy", "worker"),
        # A PEM block that parses as text but is no key: found when the push key is loaded.
        ("VAPID_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "serve"),
    ],
)
async def test_stampcard_prints_one_line_and_no_traceback(
    name: str, value: str, command: str, fresh_database_url: str
) -> None:
    code, output = await run_stampcard(stampcard_env(fresh_database_url, **{name: value}), command)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2, output
    assert "Traceback" not in output
    assert lines[-1].startswith(f"stampcard: {name} "), output
    assert len([line for line in lines if line.startswith("stampcard:")]) == 1


def test_a_secret_can_come_from_a_file_as_docker_secrets_give_it(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("k" * 40 + "\n")
    (tmp_path / "database_url").write_text("postgresql://stampcard:pw@postgres:5432/stampcard\n")
    production = {name: value for name, value in PRODUCTION.items() if name != "SECRET_KEY"}
    settings = settings_from_env({
        **production, "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "DATABASE_URL_FILE": str(tmp_path / "database_url"),
    })  # fmt: skip
    assert settings.secret_key == "k" * 40
    assert settings.database_url == "postgresql://stampcard:pw@postgres:5432/stampcard"


def test_a_secret_file_that_cannot_be_read_or_doubles_the_variable_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^SECRET_KEY_FILE names a file that cannot be read \(No such file"):
        settings_from_env({"SECRET_KEY_FILE": str(tmp_path / "missing")})
    (tmp_path / "token").write_text("t" * 20)
    with pytest.raises(SettingsError, match=r"^METRICS_TOKEN_FILE and METRICS_TOKEN are both set; keep one$"):
        settings_from_env({"METRICS_TOKEN": "x", "METRICS_TOKEN_FILE": str(tmp_path / "token")})
