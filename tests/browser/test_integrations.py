"""The owner connects a web shop: adds a webhook, copies the secret, and sees a new member's event
delivered, signed, to a real receiver on this machine."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import BrowserContext, expect

from digital_stampcard.webhooks import verify
from tests.browser.conftest import Server, join, owner_login, screenshot
from tests.webhook_receiver import Receiver, running_receiver

pytestmark = pytest.mark.browser


@pytest.fixture
async def shop() -> AsyncIterator[Receiver]:
    async with running_receiver("/stempelkort") as receiver:
        yield receiver


async def test_owner_adds_a_webhook_and_sees_a_signed_delivery(
    phone: BrowserContext, till: BrowserContext, server: Server, shop: Receiver
) -> None:
    url, got = shop.url, shop.got
    page = await till.new_page()
    await owner_login(page)
    await page.get_by_test_id("admin-nav-integrations").click()
    await page.get_by_test_id("hook-url").fill(url)
    await page.get_by_test_id("hook-description").fill("Nettbutikken")
    await page.get_by_test_id("hook-event-stamp.added").uncheck()
    await screenshot(page, "admin-integrations-form")
    await page.get_by_test_id("hook-submit").click()
    secret = await page.get_by_test_id("hook-secret").input_value()
    assert secret.startswith("whsec_")
    await screenshot(page, "admin-integrations-created")

    member = await join(await phone.new_page(), server)
    for _ in range(100):  # the app's dispatcher sends it within a second or two
        if got:
            break
        await page.wait_for_timeout(100)
    [(headers, body)] = got
    signature = headers["Stampcard-Signature"]
    assert verify(secret, signature, body, int(time.time()))
    event = json.loads(body)
    assert event["type"] == "member.joined" and event["data"]["member_number"] == member.member_number

    await page.goto("/admin/integrations")
    item = page.get_by_test_id("hook-item").filter(has_text=url)
    await item.get_by_test_id("hook-show-log").click()
    row = item.get_by_test_id("hook-deliveries").locator("tbody tr").first
    await expect(row).to_have_attribute("data-status", "delivered")
    await expect(row).to_contain_text("Nytt medlem")
    await screenshot(page, "admin-integrations-log")

    page.once("dialog", lambda dialog: dialog.accept())
    await item.get_by_test_id("hook-disable").click()
    await expect(page.get_by_test_id("hook-item").filter(has_text=url).get_by_test_id("hook-disabled")).to_be_visible()
