"""The club's daily SMS budget, counted in segments: the owner is alerted at 80 %, and past it SMS
codes are refused with a problem that offers e-mail; the next day in Oslo starts afresh."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from backend.clock import FrozenClock
from backend.messaging.tables import SmsMessage
from backend.settings import Settings
from tests.api.helpers import Browser
from tests.fake_sms_gateway import FakeSmsGateway, sms_settings

NUMBERS = ["912 34 561", "912 34 562", "912 34 563", "912 34 564", "912 34 565"]


@pytest.fixture
async def gateway() -> AsyncIterator[FakeSmsGateway]:
    async with FakeSmsGateway() as fake:
        yield fake


@pytest.fixture
def settings(clean_db: str, gateway: FakeSmsGateway) -> Settings:
    return sms_settings(clean_db, gateway, "sveve", sms_daily_segment_budget=5)


async def start(phone: Browser, identifier: str) -> tuple[int, dict[str, object]]:
    response = await phone.post(
        "/api/auth/otp/start", {"identifier": identifier, "purpose": "join", "terms_accepted": True}
    )
    return response.status_code, response.json()


async def sms_alert(owner: Browser) -> dict[str, object] | None:
    alerts = (await owner.get("/api/admin/alerts")).json()["alerts"]
    return next((a for a in alerts if a["kind"] == "sms_budget"), None)


async def test_the_owner_is_alerted_at_80_percent_and_codes_past_the_budget_offer_email(
    new_browser: Callable[[], Browser], gateway: FakeSmsGateway, owner: Browser, clock: FrozenClock
) -> None:
    for number in NUMBERS[:3]:
        assert (await start(new_browser(), number))[0] == 202
    assert await sms_alert(owner) is None  # 3 of 5 segments
    assert (await start(new_browser(), NUMBERS[3]))[0] == 202
    alert = await sms_alert(owner)
    assert alert is not None and (alert["count"], alert["usual"]) == (4, 5.0)
    assert (await start(new_browser(), NUMBERS[4]))[0] == 202  # the fifth segment is still in the budget

    status, problem = await start(new_browser(), "912 34 566")
    assert status == 503
    assert problem["code"] == "sms_budget_spent" and problem["offer"] == "email"
    assert len(gateway.received) == 5  # nothing went to the gateway
    assert await SmsMessage.count() == 5
    assert (await start(new_browser(), "kari@example.no"))[0] == 202  # e-mail still works

    clock.advance(days=1)  # a new day in Oslo: a new budget
    assert (await start(new_browser(), "912 34 566"))[0] == 202
    next_shift = new_browser()  # yesterday's staff session has ended
    await next_shift.staff_login("eier")
    assert await sms_alert(next_shift) is None


async def test_a_long_text_costs_its_segments_not_one(gateway: FakeSmsGateway, app: object, client: object) -> None:
    from backend.messaging.sms import SmsSender, segments_sent_today

    ctx = app.state["ctx"]  # type: ignore[attr-defined]  # (client: the app has started, its tables bound)
    sender: SmsSender = ctx.sender.sms
    await sender.send_text("+4791234567", "Velkommen! ☕ " + "Takk for besøket. " * 5, purpose="code")
    [row] = await SmsMessage.objects()
    assert (row.encoding, row.segments) == ("UCS-2", 2)
    assert await segments_sent_today(ctx.clock.now()) == 2
