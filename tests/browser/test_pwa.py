"""The app as an installable, offline-capable PWA."""

from __future__ import annotations

import re
from collections.abc import Callable
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
    staff_login,
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


CACHED_PATHS = """async () => {
    const urls = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    }
    return urls;
}"""
STAFF_ONLY = re.compile(
    r"/views/(admin/|staff)|/(scanner|keyboard-wedge|charts|oslo-time)\.js$|/jsqr/|/strings/(nb|en)/(staff|owner)\.js$"
)


async def test_a_members_phone_does_not_download_the_owners_or_staff_screens(
    phone: BrowserContext, server: Server
) -> None:
    page = await phone.new_page()
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    await join(page, server)
    await wait_for_service_worker(page)
    await page.get_by_test_id("nav-profile").click()
    await expect(page.get_by_test_id("lang-switch")).to_be_visible()
    cached: list[str] = await page.evaluate(CACHED_PATHS)
    assert any(re.fullmatch(r"/v/[0-9a-f]{16}/assets/views/home\.js", u) for u in cached), cached
    assert any(u.endswith("/assets/strings/en/member.js") for u in cached), "English must work offline too"
    assert [u for u in cached if STAFF_ONLY.search(u)] == []
    assert [u for u in loaded if STAFF_ONLY.search(u)] == [], "a member's phone fetched staff or owner code"


async def test_a_till_opens_offline_after_its_first_login(till: BrowserContext, server: Server) -> None:
    page = await till.new_page()
    await staff_login(page)
    await wait_for_service_worker(page)
    # The till told the worker to keep every staff file (jsQR and the English strings included).
    await page.wait_for_function(
        f"""async () => {{
            const urls = await ({CACHED_PATHS})();
            return ['/jsqr/dist/jsQR.js', '/strings/en/staff.js', '/views/staff-result.js']
                .every((end) => urls.some((u) => u.endsWith(end)));
        }}"""
    )

    await till.set_offline(True)
    await page.reload()
    # The till's own screen, in its own words: no browser error page, no bare string keys.
    await expect(page.get_by_role("heading", name="Skann medlem")).to_be_visible()
    await expect(page.get_by_text("Ingen nettforbindelse. Sjekk nettet og prøv igjen.")).to_be_visible()
    await expect(page.get_by_role("button", name="Prøv igjen")).to_be_visible()
    await screenshot(page, "staff-offline")
    await page.get_by_test_id("lang-switch").click()  # the other language's staff strings, offline
    await expect(page.get_by_role("heading", name="Scan member")).to_be_visible()
    await expect(page.get_by_role("button", name="Try again")).to_be_visible()


async def test_a_new_version_precaches_the_till_files_only_on_a_till(phone: BrowserContext, server: Server) -> None:
    """A deployment's new worker finds the old version's caches: where they held the till's screen, it
    precaches the till's files again (the till keeps working offline); a member's phone gets none."""
    page = await phone.new_page()
    await join(page, server)
    await wait_for_service_worker(page)
    reinstall = """async (till) => {
        for (const name of await caches.keys()) await caches.delete(name);
        const old = await caches.open('stampcard-shell-0000000000000000');
        await old.put('/v/0000000000000000/assets/' + (till ? 'views/staff.js' : 'views/home.js'), new Response(''));
        // Another script URL is a new worker, as a deployment's changed sw.js is: install, activate.
        const registration = await navigator.serviceWorker.register(`/sw.js?deployment=${Date.now()}`, { scope: '/' });
        const worker = registration.installing || registration.waiting;
        await new Promise((resolve) => {
            worker.addEventListener('statechange', () => { if (worker.state === 'activated') resolve(); });
        });
    }"""
    for till, expected in [(False, []), (True, ["jsQR.js", "staff.js"])]:
        await page.evaluate(reinstall, till)
        cached: list[str] = await page.evaluate(CACHED_PATHS)
        assert not any("/0000000000000000/" in u for u in cached), "the old version's cache stays"
        assert any(u.endswith("/views/home.js") for u in cached)
        assert sorted(u.rsplit("/", 1)[1] for u in cached if u.endswith(("/jsQR.js", "/views/staff.js"))) == expected


async def test_the_qr_is_on_screen_within_half_a_second_offline(
    phone: BrowserContext, server: Server, record_property: Callable[[str, object], None]
) -> None:
    """Issue 14 item 5: service worker installed, network off, the QR drawn < 500 ms after opening.

    Measured in the page: the app's `qr-drawn` mark, from the navigation's start (performance's time
    origin). Three cold opens (a new tab each, as from the home screen); the median is held to it."""
    page = await phone.new_page()
    await join(page, server)
    await wait_for_service_worker(page)
    await page.goto("/qr")  # online once: the card snapshot, the device key and the clock are stored
    await expect(page.locator("#member-qr")).to_have_attribute("data-token", re.compile(r"^DS2"))
    await page.close()

    await phone.set_offline(True)
    times = []
    for _ in range(3):
        tab = await phone.new_page()
        await tab.goto("/qr")
        await expect(tab.locator("#member-qr")).to_have_attribute("data-token", re.compile(r"^DS2"))
        assert await tab.evaluate("navigator.serviceWorker.controller !== null")
        times.append(await tab.evaluate("performance.getEntriesByName('qr-drawn')[0].startTime"))
        await tab.close()
    median = sorted(times)[1]
    record_property("time_to_qr_ms", times)
    print(f"time to QR offline: {', '.join(f'{t:.0f}' for t in times)} ms (median {median:.0f} ms)")
    assert median < 500, f"the QR took {median:.0f} ms (opens: {times})"
