"""Structured logs and metrics from real processes: a member journey against `stampcard serve` leaves
JSON lines with request ids and who called, and never a phone number, e-mail address, code, token or
secret; /metrics counts the journey; `stampcard worker` serves its own metrics."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import msgspec
import pytest

from backend.app import create_app
from backend.clock import FrozenClock
from backend.settings import Settings
from digital_stampcard.member_qr import time_step
from tests.api.conftest import running
from tests.api.helpers import Browser, seed_club
from tests.conftest import TEST_VAPID_PRIVATE_KEY
from tests.ops.conftest import ROOT, free_port, stampcard_env

PHONE, EMAIL = "912 34 567", "kari.nordmann@example.com"


def _env(settings: Settings, port: int, **extra: str) -> dict[str, str]:
    return stampcard_env(
        settings.database_url, STAMPCARD_PORT=str(port), SECRET_KEY=settings.secret_key, PUSH_DISPATCHER="off", **extra
    )


@pytest.fixture
async def seeded(settings: Settings, clock: FrozenClock) -> Settings:
    app = create_app(settings, clock=clock, run_migrations=False)
    async with running(app):
        await seed_club(app)
    return settings


@pytest.fixture
async def server(seeded: Settings, tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """`stampcard serve` on a port of its own; yields its URL and the file its output goes to."""
    port, log_file = free_port(), tmp_path / "serve.log"
    with log_file.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend.cli", "serve", cwd=ROOT, env=_env(seeded, port), stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as probe:
        for _ in range(600):  # until it listens (a state, polled)
            try:
                if (await probe.get(f"{url}/health")).status_code == 200:
                    break
            except httpx.TransportError:
                assert process.returncode is None, log_file.read_text()
                await asyncio.sleep(0.05)
    try:
        yield url, log_file
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


def _lines(log_file: Path) -> list[dict[str, object]]:
    """The log lines (JSON); Piccolo's migration report goes to stdout as plain text beside them."""
    return [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]


async def test_a_member_journey_logs_json_with_request_ids_and_never_personal_data_or_secrets(
    server: tuple[str, Path], seeded: Settings
) -> None:
    url, log_file = server
    phone = Browser(httpx.AsyncClient(base_url=url))
    await phone.join(PHONE)
    code_by_mail = Browser(httpx.AsyncClient(base_url=url))
    await code_by_mail.join(EMAIL)
    codes = [
        m["code"]
        for to in (PHONE, EMAIL)
        for m in (await phone.client.get("/api/dev/outbox", params={"to": to})).json()
    ]
    till = Browser(httpx.AsyncClient(base_url=url))
    await till.staff_login()
    scan = (await till.scan(phone.qr(time_step(datetime.now(UTC))))).json()
    assert "scan_id" in scan, scan
    stamped = await till.stamp(scan["scan_id"])
    assert stamped.status_code == 200, stamped.text
    home = await phone.client.get("/api/me", headers={"X-Request-ID": "journey-home-1"})
    assert home.status_code == 200, home.text
    assert home.headers["x-request-id"] == "journey-home-1"
    fresh = await phone.client.get("/api/me", headers={"X-Request-ID": "bad id with spaces"})
    assert fresh.headers["x-request-id"] != "bad id with spaces" and len(fresh.headers["x-request-id"]) == 32
    await till.post("/api/staff/login", {"username": "kasse1", "password": "wrong-password"})
    secrets = [seeded.secret_key, TEST_VAPID_PRIVATE_KEY, "wrong-password", *codes]
    secrets += [c.value for b in (phone, code_by_mail, till) for c in b.client.cookies.jar]
    for browser in (phone, code_by_mail, till):
        await browser.client.aclose()

    await asyncio.sleep(0)  # the server writes its lines as it answers; they are in the file by now
    text = log_file.read_text()
    for needle in [PHONE, PHONE.replace(" ", ""), "+4791234567", EMAIL, *secrets]:
        assert needle not in text, f"the log carries {needle[:4]}…"
    lines = _lines(log_file)
    assert any(line.get("event") == "request" for line in lines)
    requests = [line for line in lines if line.get("event") == "request"]
    assert all(isinstance(line.get("request_id"), str) and line.get("level") for line in requests)
    [home_line] = [line for line in requests if line["request_id"] == "journey-home-1"]
    assert home_line["route"] == "/api/me" and home_line["status"] == 200 and "member_id" in home_line
    assert any(line["route"] == "/api/staff/stamps" and "staff_id" in line for line in requests)


async def test_metrics_count_the_stamps_and_requests_and_show_the_outboxes(
    server: tuple[str, Path], seeded: Settings
) -> None:
    url, _ = server
    phone, till = Browser(httpx.AsyncClient(base_url=url)), Browser(httpx.AsyncClient(base_url=url))
    await phone.join("922 22 222")
    await till.staff_login()
    scan = (await till.scan(phone.qr(time_step(datetime.now(UTC))))).json()
    assert (await till.stamp(scan["scan_id"])).status_code == 200
    metrics = (await till.client.get("/metrics")).text
    assert "stampcard_stamps_total 1.0" in metrics
    assert (
        'stampcard_http_request_duration_seconds_count{method="POST",route="/api/staff/stamps",status="200"} 1.0'
        in metrics
    )
    assert 'stampcard_codes_sent_total{channel="sms"} 1.0' in metrics
    assert 'stampcard_outbox_depth{outbox="push_notification"}' in metrics
    assert 'stampcard_outbox_oldest_age_seconds{outbox="webhook_delivery"} 0.0' in metrics
    await phone.client.aclose()
    await till.client.aclose()


async def test_metrics_need_the_token_outside_development(settings: Settings, clock: FrozenClock) -> None:
    production = msgspec.structs.replace(settings, environment="production", public_url="https://stamps.example")
    for token, authorization, status in [
        ("", None, 404),  # no METRICS_TOKEN: metrics are off
        ("s3cret-metrics-token", None, 401),
        ("s3cret-metrics-token", "Bearer wrong", 401),
        ("s3cret-metrics-token", "Bearer s3cret-metrics-token", 200),
    ]:
        app = create_app(msgspec.structs.replace(production, metrics_token=token), clock=clock, run_migrations=False)
        async with running(app):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="https://stamps.example"
            ) as client:
                headers = {"authorization": authorization} if authorization else {}
                assert (await client.get("/metrics", headers=headers)).status_code == status, (token, authorization)


async def test_the_worker_serves_its_own_metrics(seeded: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = _env(seeded, free_port(), METRICS_PORT=str(port))
    with (tmp_path / "worker.log").open("wb") as out:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend.cli", "worker", cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(600):  # until the gauges of the first round are there
                try:
                    text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                    if 'stampcard_outbox_depth{outbox="push_delivery"}' in text:
                        break
                except httpx.TransportError:
                    pass
                assert worker.returncode is None, (tmp_path / "worker.log").read_text()
                await asyncio.sleep(0.05)
            else:
                raise AssertionError((tmp_path / "worker.log").read_text())
    finally:
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 30) == 0
