"""The owner gives a store's till system an API key: creates it on the Integrations screen, sees it
once (with a warning), the till uses it, and the owner revokes it; then the key is refused."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import Server, owner_login, screenshot

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")
SHOTS.mkdir(parents=True, exist_ok=True)


async def pos_lookup(server: Server, key: str, member_number: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url) as client:
        return await client.post(
            "/api/pos/v1/lookup",
            json={"member_number": member_number},
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
        )


async def test_owner_creates_a_key_sees_it_once_and_revokes_it(till: BrowserContext, server: Server) -> None:
    name = f"Kasse {secrets.token_hex(3)}"
    page = await till.new_page()
    await owner_login(page)
    await page.get_by_test_id("admin-nav-integrations").click()
    form_store = page.get_by_test_id("key-store")
    await form_store.select_option(label="Grünerløkka")
    await page.get_by_test_id("key-submit").click()  # no name yet: said next to the field
    await expect(page.get_by_test_id("error-name")).to_have_text("Gi nøkkelen et navn.")
    await page.get_by_test_id("key-name").fill(name)
    await page.get_by_test_id("key-scope-stamps:void").check()
    await page.get_by_test_id("key-submit").click()

    secret = page.get_by_test_id("key-secret")
    await expect(secret).to_be_focused()
    key = await secret.input_value()
    assert key.startswith("sk_live_")
    await expect(page.get_by_test_id("key-warning")).to_contain_text("bare denne ene gangen")
    await page.get_by_test_id("key-copy").click()  # copied, or selected for copying by hand
    await expect(page.get_by_test_id("key-copied")).not_to_be_empty()
    item = page.get_by_test_id("key-item").filter(has_text=name)
    await expect(item).to_have_count(0)  # the list shows it after "Ferdig"
    await page.evaluate("window.scrollBy(0, -140)")  # the heading, below the sticky tabs
    await page.screenshot(path=str(SHOTS / "api-keys-phone.png"))
    await screenshot(page, "admin-api-key-created")

    member = (await pos_lookup(server, key, "000000000")).status_code
    assert member == 404  # the key works: an unknown member number is simply not found

    await page.get_by_test_id("key-done").click()
    await expect(page.get_by_test_id("key-secret")).to_have_count(0)
    await expect(item).to_contain_text("Grünerløkka")
    await expect(item).to_contain_text(key[:14])
    assert key not in await page.content()  # shown once: never again
    await page.screenshot(path=str(SHOTS / "api-keys-list-phone.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    await item.get_by_test_id("key-revoke").click()
    await expect(page.get_by_test_id("key-item").filter(has_text=name).get_by_test_id("key-revoked")).to_be_visible()
    refused = await pos_lookup(server, key, "000000000")
    assert refused.status_code == 401 and refused.json()["code"] == "api_key_invalid"
