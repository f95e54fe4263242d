"""Guards added after review: device revocation at logout, undo limits, honest send failures."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable

import pytest

from backend.cards.tables import LedgerEntry, Program
from backend.clock import Clock, FrozenClock
from backend.club.tables import Store
from backend.db import make_engine
from backend.messaging.senders import Message, make_sender
from backend.settings import Settings
from digital_stampcard.errors import DomainError
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser


async def test_logging_out_revokes_the_phones_qr_key(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login()
    token = phone.qr(time_step(clock.now()))
    assert (await phone.post("/api/auth/logout")).status_code == 204
    response = await till.scan(token)
    assert response.status_code == 400 and response.json()["code"] == "qr_invalid"


async def test_undo_is_for_the_store_that_did_it(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone, till, other = new_browser(), new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    await other.staff_login("kasse2")
    stamped = await till.stamp((await till.scan(phone.qr(time_step(clock.now())))).json()["scan_id"])
    ledger_id = stamped.json()["scan"]["last_action"]["ledger_id"]
    other_scan = (await other.scan("912 34 567")).json()["scan_id"]
    body = {"scan_id": other_scan, "ledger_id": ledger_id, "reason": "ikke vår"}
    response = await other.post("/api/staff/undo", body, key=str(uuid.uuid4()))
    assert response.status_code == 403
    assert await LedgerEntry.count().where(LedgerEntry.kind == "undo") == 0


async def test_undo_is_refused_once_a_bonus_landed_on_the_cards(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login()
    scan = (await till.scan(phone.qr(time_step(clock.now())))).json()["scan_id"]
    await till.stamp(scan, count=5)
    ledger_id = (await till.stamp(scan, count=5)).json()["scan"]["last_action"]["ledger_id"]
    store = await Store.objects().first()
    assert store is not None
    profile = {"first_name": "Kari", "birthday": "1990-05-17", "interests": ["kaffe"], "favourite_store_id": store.id}
    assert (await phone.patch("/api/me/profile", profile)).json()["card"]["stamps"] == 1  # the bonus, on the new card
    body = {"scan_id": scan, "ledger_id": ledger_id, "reason": "feil"}
    response = await till.post("/api/staff/undo", body, key=str(uuid.uuid4()))
    assert response.status_code == 409 and response.json()["code"] == "nothing_to_undo"
    assert (await phone.get("/api/me")).json()["card"]["stamps"] == 1


async def test_production_never_parks_codes_in_the_outbox() -> None:
    settings = Settings(environment="production", secret_key="p" * 40, public_url="https://klubb.example")
    sender = make_sender(settings, Clock(), make_engine(settings.database_url))
    for channel in ("sms", "email"):
        with pytest.raises(DomainError) as refused:
            await sender.send(Message(channel, "x", "s", "Koden din er 123456"))
        assert refused.value.code == "channel_unavailable"


@pytest.fixture
def settings(clean_db: str) -> Settings:
    with socket.socket() as probe:  # a port nobody listens on: the SMTP server is down
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    return Settings(
        environment="test",
        database_url=clean_db,
        secret_key="test-secret-" + "x" * 32,
        public_url="http://testserver.local",
        email_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=dead_port,
        otp_sends_per_identifier_per_hour=50,
        push_dispatcher="off",
    )


async def test_a_failed_send_says_so(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    body = {"identifier": "kari@example.no", "purpose": "join", "terms_accepted": True}
    response = await phone.post("/api/auth/otp/start", body)
    assert response.status_code == 503 and response.json()["code"] == "send_failed"
