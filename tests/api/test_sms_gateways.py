"""One-time codes by SMS through each gateway (generic, LINK Mobility, Sveve, Twilio), against a
local fake gateway that speaks real HTTP: the code arrives, the member logs in with it, and the
gateway's delivery report is stored with the message."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest

from backend.messaging.tables import OutboxMessage, SmsMessage
from backend.settings import Settings
from tests.api.helpers import Browser
from tests.fake_sms_gateway import CALLBACK_TOKEN, FakeSmsGateway, ReceivedSms, sms_settings

GATEWAYS = ["generic", "linkmobility", "sveve", "twilio"]
TO = {"generic": "+4791234567", "linkmobility": "+4791234567", "sveve": "4791234567", "twilio": "+4791234567"}


@pytest.fixture
async def gateway() -> AsyncIterator[FakeSmsGateway]:
    async with FakeSmsGateway() as fake:
        yield fake


@pytest.fixture(params=GATEWAYS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(clean_db: str, gateway: FakeSmsGateway, transport: str) -> Settings:
    return sms_settings(
        clean_db, gateway, transport, sms_link_gate_id="gate-1", sms_sender_id="Testkaffe", sms_timeout_seconds=0.5
    )


def code_in(sms: ReceivedSms) -> str:
    found = re.search(r"\b(\d{6})\b", sms.text)
    assert found, sms.text
    return found.group(1)


async def start(phone: Browser, number: str = "912 34 567") -> Any:
    return await phone.post("/api/auth/otp/start", {"identifier": number, "purpose": "join", "terms_accepted": True})


def report_url(transport: str) -> str:
    return f"http://testserver.local/api/sms/reports/{transport}/{CALLBACK_TOKEN}"


async def deliver_report(phone: Browser, gateway: FakeSmsGateway, sms: ReceivedSms, transport: str, **kw: Any) -> Any:
    method, path, request = gateway.report(sms, report_url=report_url(transport), **kw)
    return await phone.client.request(method, path, **request)


async def test_a_code_by_sms_arrives_logs_in_and_its_delivery_report_is_stored(
    new_browser: Callable[[], Browser], gateway: FakeSmsGateway, transport: str
) -> None:
    phone = new_browser()
    response = await start(phone)
    assert response.status_code == 202, response.text
    assert response.json()["channel"] == "sms"
    [sms] = gateway.received
    assert (sms.gateway, sms.to, sms.sender) == (transport, TO[transport], "Testkaffe")
    if transport == "twilio":
        assert sms.report_url == report_url("twilio")  # the status callback goes with each message
    assert await OutboxMessage.count() == 0  # a real gateway: nothing parked in the dev outbox
    [row] = await SmsMessage.objects()
    assert (row.status, row.segments, row.encoding, row.gateway) == ("queued", 1, "GSM-7", transport)
    assert row.gateway_message_id == sms.message_id and "91234567" not in row.to_masked
    verified = await phone.post(
        "/api/auth/otp/verify",
        {"identifier": "912 34 567", "code": code_in(sms), "device_public_key": phone.public_key},
    )
    assert verified.status_code == 200 and verified.json()["new_member"] is True

    answer = await deliver_report(new_browser(), gateway, sms, transport, delivered=True)
    assert answer.status_code == 200 and answer.json() == {"recorded": 1}, answer.text
    row = await SmsMessage.objects().first()
    assert row is not None and row.status == "delivered" and row.status_at is not None
    # A late, contrary report does not undo a final status.
    await deliver_report(new_browser(), gateway, sms, transport, delivered=False)
    assert (await SmsMessage.objects().first()).status == "delivered"  # type: ignore[union-attr]


async def test_a_failed_delivery_is_stored_with_the_gateways_reason(
    new_browser: Callable[[], Browser], gateway: FakeSmsGateway, transport: str
) -> None:
    await start(new_browser())
    [sms] = gateway.received
    answer = await deliver_report(new_browser(), gateway, sms, transport, delivered=False)
    assert answer.status_code == 200, answer.text
    row = await SmsMessage.objects().first()
    assert row is not None and row.status == "failed" and row.error


async def test_reports_need_the_secret_address_and_twilios_signature(
    new_browser: Callable[[], Browser], gateway: FakeSmsGateway, transport: str
) -> None:
    await start(new_browser())
    [sms] = gateway.received
    method, path, request = gateway.report(sms, delivered=True, report_url=report_url(transport))
    caller = new_browser().client
    wrong_token = path.replace(CALLBACK_TOKEN, "x" * len(CALLBACK_TOKEN))
    assert (await caller.request(method, wrong_token, **request)).status_code == 404
    other = next(g for g in GATEWAYS if g != transport)
    assert (await caller.request(method, path.replace(f"/{transport}/", f"/{other}/"), **request)).status_code == 404
    if transport == "twilio":
        forged = {**request, "headers": {**request["headers"], "X-Twilio-Signature": "Zm9yZ2Vk"}}
        refused = await caller.request(method, path, **forged)
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_report"
    assert (await SmsMessage.objects().first()).status == "queued"  # type: ignore[union-attr]


async def test_5xx_and_429_are_retried_with_backoff(
    new_browser: Callable[[], Browser], gateway: FakeSmsGateway, transport: str
) -> None:
    gateway.fail(1, 503)
    gateway.rate_limit(1, retry_after=0.1)
    response = await start(new_browser())
    assert response.status_code == 202, response.text
    assert [status for _, status in gateway.attempts] == [503, 429, 200]
    assert len(gateway.received) == 1


async def test_a_4xx_is_not_retried_and_costs_nothing_from_the_budget(
    new_browser: Callable[[], Browser], gateway: FakeSmsGateway, transport: str
) -> None:
    gateway.fail(3, 400)
    response = await start(new_browser())
    assert response.status_code == 503 and response.json()["code"] == "send_failed", response.text
    assert [status for _, status in gateway.attempts] == [400]
    [row] = await SmsMessage.objects()
    assert row.status == "rejected"


async def test_a_gateway_slower_than_the_timeout_is_tried_three_times_then_the_member_is_told(
    new_browser: Callable[[], Browser], gateway: FakeSmsGateway, transport: str
) -> None:
    gateway.delay = 1.0  # the app waits 0.5 s
    response = await start(new_browser())
    assert response.status_code == 503 and response.json()["code"] == "send_failed", response.text
    assert gateway.arrivals == 3
    [row] = await SmsMessage.objects()
    assert row.status == "rejected"  # costs nothing from the budget (though a slow gateway may yet send it)


def test_every_gateway_names_what_it_lacks_in_one_line() -> None:
    from backend.settings import SettingsError, settings_from_env

    for transport, missing in [
        ("generic", "SMS_GATEWAY_URL"),
        ("linkmobility", "SMS_GATEWAY_USERNAME"),
        ("sveve", "SMS_GATEWAY_USERNAME"),
        ("twilio", "SMS_GATEWAY_USERNAME"),
    ]:
        with pytest.raises(SettingsError, match=f"^{missing} must be set for {transport}$"):
            settings_from_env({"SMS_TRANSPORT": transport})
    base = {"SMS_TRANSPORT": "linkmobility", "SMS_GATEWAY_USERNAME": "u", "SMS_GATEWAY_PASSWORD": "p"}
    with pytest.raises(SettingsError, match="^SMS_LINK_PLATFORM_ID must be set"):
        settings_from_env(base)
    complete = {**base, "SMS_LINK_PLATFORM_ID": "1", "SMS_LINK_PLATFORM_PARTNER_ID": "2"}
    with pytest.raises(SettingsError, match="^SMS_CALLBACK_TOKEN must be a random value"):
        settings_from_env(complete)
    assert msgspec.structs.asdict(settings_from_env({**complete, "SMS_CALLBACK_TOKEN": CALLBACK_TOKEN}))
