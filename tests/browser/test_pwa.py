"""The app as an installable, offline-capable PWA."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import BrowserContext, Playwright, expect

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    Server,
    join,
    screenshot,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser


async def test_qr_screen_works_offline_after_reload(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    member = await join(page, server)
    await wait_for_service_worker(page)

    # Online once: home, then "Vis kortet" (stores the card snapshot and the device key).
    await page.get_by_test_id("show-card").click()
    await page.wait_for_url(re.compile(r"/qr$"))
    await expect(page.locator("#member-qr")).to_have_attribute("data-token", re.compile(r"^DS2"))
    online_number = await page.get_by_test_id("member-number-large").inner_text()
    assert online_number.replace(" ", "") == member.member_number

    await phone.set_offline(True)
    # The premise: the network is really gone for the page *and* for the service worker
    # (an uncached asset goes through the worker's fetch, which must fail, not 404).
    assert await page.evaluate("navigator.onLine") is False
    failed = await page.evaluate("fetch('/assets/not-precached.js').then(() => false, () => true)")
    assert failed, "the service worker still reaches the server while offline"

    await page.reload()

    qr = page.locator("#member-qr")
    await expect(qr).to_be_visible()
    await expect(qr).to_have_attribute("data-token", re.compile(r"^DS2[0-9B-LNOPR-VX]{123}$"))
    token = await qr.get_attribute("data-token")
    assert token is not None and len(token) == 126
    await expect(page.get_by_test_id("member-number-large")).to_have_text(online_number)
    await expect(page.get_by_test_id("qr-countdown")).to_have_text(re.compile(r"^Ny kode om \d+ s$"))
    await expect(page.get_by_test_id("qr-not-ready")).to_have_count(0)
    await screenshot(page, "qr-offline")


async def test_app_is_installable(pw: Playwright, server: Server, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/manifest+json"
    manifest = response.json()
    assert manifest["display"] == "standalone"
    icons = manifest["icons"]
    assert any("192x192" in i["sizes"].split() for i in icons)
    assert any("512x512" in i["sizes"].split() for i in icons)
    assert any("maskable" in i.get("purpose", "").split() for i in icons)

    # Incognito contexts always report "in incognito": installability needs a real profile.
    context = await pw.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        base_url=server.url,
        **PHONE,
    )  # type: ignore[arg-type]
    try:
        page = context.pages[0] if context.pages else await context.new_page()
        await page.goto("/")
        await wait_for_service_worker(page)
        cdp = await context.new_cdp_session(page)
        result = await cdp.send("Page.getInstallabilityErrors")
        assert result == {"installabilityErrors": []}
        await screenshot(page, "installable-start")
    finally:
        await context.close()


async def test_a_members_phone_does_not_download_the_owners_screens(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await join(page, server)
    await wait_for_service_worker(page)
    cached: list[str] = await page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
            }
            return urls;
        }"""
    )
    assert "/assets/views/home.js" in cached
    assert [u for u in cached if u.startswith("/assets/views/admin/")] == ["/assets/views/admin/tabs.js"]
    assert "/assets/charts.js" not in cached
