"""The member's side of campaigns: the offer page a push opens, the rewards deep link, the
delivery and open receipts, and the separate consent to personalised offers."""

from __future__ import annotations

import asyncio
import json
import os
import re
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Request, expect

from backend.push.receipts import receipt_token
from backend.settings import settings_from_env
from tests.browser.conftest import (
    Server,
    join,
    member_login,
    query,
    screenshot,
    wait_for_service_worker,
)
from tests.browser.test_push import PushDelivery as PushHarness

pytestmark = pytest.mark.browser

DEMO_OFFER_TITLE = "Vinterblandingen er her"  # the demo's one past campaign (backend/demo.py)


async def demo_recipient(server: Server) -> tuple[str, int]:
    """(mobile as typed, campaign id) of a demo member who was sent the demo campaign."""
    rows = await query(
        server.database_url,
        "SELECT m.phone, c.id FROM notification n JOIN member m ON m.id = n.member "
        "JOIN campaign c ON c.id = n.campaign "
        "WHERE c.title = ? AND n.status = 'expanded' AND m.phone IS NOT NULL AND m.lang = 'nb' "
        "ORDER BY n.id",
        DEMO_OFFER_TITLE,
    )
    assert rows, "the demo data has no recipient of its campaign"
    phone, campaign_id = rows[0]
    return str(phone).removeprefix("+47"), int(campaign_id)  # type: ignore[call-overload]


async def fresh_deliveries(server: Server, column: str, count: int) -> list[int]:
    """Ids of the demo campaign's deliveries that have no `column` (received_at / opened_at) yet."""
    rows = await query(
        server.database_url,
        f"SELECT d.id FROM push_delivery d JOIN notification n ON n.id = d.notification "
        f"JOIN campaign c ON c.id = n.campaign WHERE c.title = ? AND d.{column} IS NULL ORDER BY d.id DESC",
        DEMO_OFFER_TITLE,
    )
    assert len(rows) >= count, f"the demo campaign has fewer than {count} deliveries without {column}"
    return [int(r[0]) for r in rows[:count]]  # type: ignore[call-overload]


async def stamped(server: Server, column: str, delivery_id: int) -> bool:
    """Waits (up to 10 s) until the delivery's `column` is set by a receipt."""
    for _ in range(100):
        rows = await query(server.database_url, f"SELECT {column} FROM push_delivery WHERE id = ?", delivery_id)
        if rows and rows[0][0] is not None:
            return True
        await asyncio.sleep(0.1)
    return False


def token_for(server: Server, delivery_id: int) -> str:
    settings = settings_from_env({**os.environ, "DATABASE_URL": server.database_url, "STAMPCARD_ENV": "development"})
    return receipt_token(settings.secret_key, delivery_id)


async def test_a_recipient_opens_the_offer(phone: BrowserContext, server: Server) -> None:
    mobile, campaign_id = await demo_recipient(server)
    page = await phone.new_page()
    await member_login(page, server, mobile)

    await page.goto(f"/offer/{campaign_id}")
    await expect(page.get_by_test_id("offer-title")).to_have_text(DEMO_OFFER_TITLE)
    await expect(page.get_by_test_id("offer-body")).to_have_text(
        "Smak årets vinterkaffe: 20 % på første kopp denne uka."
    )
    await expect(page.get_by_test_id("offer-sent")).to_contain_text("Sendt")
    await expect(page.get_by_test_id("nav-home")).to_be_visible()  # the member's own chrome
    await screenshot(page, "member-offer")
    await page.get_by_test_id("offer-show-card").click()
    await page.wait_for_url(re.compile(r"/qr$"))


async def test_someone_else_gets_a_friendly_not_found(phone: BrowserContext, server: Server) -> None:
    _, campaign_id = await demo_recipient(server)
    page = await phone.new_page()
    await join(page, server)  # a new member was never sent the demo campaign
    await page.goto(f"/offer/{campaign_id}")
    await expect(page.get_by_test_id("offer-missing")).to_contain_text("Kortet ditt virker som vanlig")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Fant ikke tilbudet")
    await expect(page.get_by_role("link", name="Til kortet mitt")).to_be_visible()


async def test_opening_a_push_reports_it_and_cleans_the_address(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await join(page, server)
    [delivery_id] = await fresh_deliveries(server, "opened_at", 1)
    token = token_for(server, delivery_id)

    receipts: list[Request] = []
    page.on("request", lambda r: receipts.append(r) if r.url.endswith("/api/push/receipts") else None)
    await page.goto(f"/?show=rewards&n={token}")

    await expect(page.get_by_test_id("stamp-count")).to_be_visible()
    await expect(page).to_have_url(re.compile(r"/\?show=rewards$"))  # `n` is gone, `show` stays
    assert await stamped(server, "opened_at", delivery_id), "the open was not recorded"
    assert len(receipts) == 1
    assert receipts[0].method == "POST"
    assert json.loads(receipts[0].post_data or "{}") == {"token": token, "event": "opened"}
    # ?show=rewards: the rewards section is in view and its heading has focus.
    await expect(page.locator("#rewards-h")).to_be_focused()
    assert await page.evaluate("document.getElementById('rewards-h').getBoundingClientRect().top < innerHeight")

    # A reload does not count it again: the token is no longer in the address.
    await page.reload()
    await expect(page.get_by_test_id("stamp-count")).to_be_visible()
    assert len(receipts) == 1


async def test_the_worker_reports_a_delivered_push(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await join(page, server)
    await wait_for_service_worker(page)
    [delivery_id] = await fresh_deliveries(server, "received_at", 1)
    token = token_for(server, delivery_id)

    await phone.grant_permissions(["notifications"], origin=server.url)  # a push only arrives with it
    push = await PushHarness.open(phone, page, server)
    payload: dict[str, Any] = {
        "web_push": 8030,
        "notification": {"title": DEMO_OFFER_TITLE, "body": "20 %", "navigate": f"/offer/1?n={token}", "lang": "nb"},
    }
    notes = await push.deliver_shown(page, json.dumps(payload), count=1)
    assert notes[0]["title"] == DEMO_OFFER_TITLE
    assert notes[0]["data"]["navigate"] == f"{server.url}/offer/1?n={token}"  # a tap opens it, token and all
    assert await stamped(server, "received_at", delivery_id), "the service worker did not report the delivery"
    assert not await stamped_quickly(server, "opened_at", delivery_id)  # arriving is not opening


async def stamped_quickly(server: Server, column: str, delivery_id: int) -> bool:
    rows = await query(server.database_url, f"SELECT {column} FROM push_delivery WHERE id = ?", delivery_id)
    return bool(rows and rows[0][0] is not None)


async def test_personalised_offers_is_a_consent_of_its_own(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await join(page, server)
    await page.get_by_test_id("nav-profile").click()
    await page.wait_for_url(re.compile(r"/profile$"))
    offers = page.get_by_test_id("push-offers-toggle")
    personalised = page.get_by_test_id("push-personalised-toggle")
    await expect(personalised).not_to_be_checked()  # unticked unless the member chooses it
    await expect(page.get_by_label("Tilpassede tilbud")).to_be_visible()

    async def settings() -> dict[str, Any]:
        response = await page.request.get("/api/me/push/settings")
        assert response.ok, await response.text()
        return dict(await response.json())

    for wanted in (True, False):
        async with page.expect_response(
            lambda r: r.url.endswith("/api/me/push/settings") and r.request.method == "PATCH"
        ) as patch:
            await personalised.set_checked(wanted)
        assert (await patch.value).ok
        now = await settings()
        assert now["personalised"] is wanted
        assert now["offers"] is False  # the other consent is left alone
        await expect(offers).not_to_be_checked()
