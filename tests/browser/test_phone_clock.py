"""A member whose phone clock is minutes or hours off: the QR is signed with the server's time (online,
and offline from the last known offset), the QR screen says the clock is off, and the till explains a
code made with the wrong time."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from digital_stampcard.member_qr import time_step
from tests.browser.conftest import Server, join, new_phone_context, screenshot, staff_login, wait_for_service_worker

pytestmark = pytest.mark.browser

# A phone whose clock is off: `Date` (now, new Date(), Date()) and `performance.timeOrigin` run
# `shift` ms from the truth, as on a phone set by hand; timers and the network are untouched.
WRONG_CLOCK = """
(() => {
  const shift = %d;
  const RealDate = Date;
  function PhoneDate(...args) {
    if (!new.target) return new RealDate(RealDate.now() + shift).toString();
    return args.length ? new RealDate(...args) : new RealDate(RealDate.now() + shift);
  }
  PhoneDate.prototype = RealDate.prototype;
  PhoneDate.now = () => RealDate.now() + shift;
  PhoneDate.parse = RealDate.parse;
  PhoneDate.UTC = RealDate.UTC;
  globalThis.Date = PhoneDate;
  const origin = performance.timeOrigin + shift;
  Object.defineProperty(performance, 'timeOrigin', { get: () => origin, configurable: true });
})();
"""

STORED_OFFSET = "async () => (await import('/assets/idb.js')).idbGet('meta', 'clock')"

# What the app did before: sign the step of the phone's own clock (the key and id from IndexedDB).
UNCORRECTED_TOKEN = """async () => {
  const { makeToken } = await import('/assets/member-qr.js');
  const { getDeviceKeyPair } = await import('/assets/device-key.js');
  const { loadSnapshot } = await import('/assets/member-store.js');
  const snap = await loadSnapshot();
  return makeToken(await getDeviceKeyPair(), snap.device_id, Math.floor(Date.now() / 30000));
}"""


async def wrong_clock_phone(browser: Browser, server: Server, shift: timedelta) -> BrowserContext:
    context = await new_phone_context(browser, server)
    await context.add_init_script(WRONG_CLOCK % round(shift.total_seconds() * 1000))
    return context


async def scan_typed(till: Page, code: str) -> None:
    await till.get_by_test_id("staff-manual-input").fill(code)
    await till.get_by_test_id("staff-manual-submit").click()


@pytest.mark.parametrize(
    ("shift", "offline", "name", "nb_words", "en_words", "till_nb", "till_en"),
    [
        (
            timedelta(minutes=5),
            False,
            "5min-fast",
            "Klokka på telefonen din går omtrent 5 minutter for fort.",
            "Your phone’s clock is about 5 minutes fast.",
            "Kundens telefon har feil klokke: den går omtrent 5 minutter for fort, så QR-koden blir avvist.",
            "The customer’s phone clock is wrong: it is about 5 minutes fast, so the QR code is refused.",
        ),
        (
            timedelta(hours=-3),
            True,
            "3h-slow",
            "Klokka på telefonen din går omtrent 3 timer for sakte.",
            "Your phone’s clock is about 3 hours slow.",
            "QR-koden er laget for et annet klokkeslett: telefonen går omtrent 3 timer for sakte, "
            "eller koden er et gammelt bilde.",
            "The QR code was made for another time: the phone is about 3 hours slow, or the code is an old picture.",
        ),
    ],
)
async def test_a_phone_whose_clock_is_off_gets_its_stamp(
    browser: Browser,
    till: BrowserContext,
    server: Server,
    shift: timedelta,
    offline: bool,
    name: str,
    nb_words: str,
    en_words: str,
    till_nb: str,
    till_en: str,
) -> None:
    phone = await wrong_clock_phone(browser, server, shift)
    try:
        member_page = await phone.new_page()
        await join(member_page, server)  # online: every answer tells the app how far its clock is off
        phone_ms = await member_page.evaluate(
            "[Date.now(), new Date().getTime(), performance.timeOrigin + performance.now()]"
        )
        for value in phone_ms:  # the premise: the page really runs on the wrong clock
            assert abs(value - time.time() * 1000 - shift.total_seconds() * 1000) < 5000
        stored = await member_page.evaluate(STORED_OFFSET)  # what the QR uses offline
        assert abs(stored["offset_ms"] + shift.total_seconds() * 1000) < 2000, stored
        await wait_for_service_worker(member_page)
        uncorrected = await member_page.evaluate(UNCORRECTED_TOKEN)  # what the old app would show

        if offline:  # airplane mode: the QR screen loads from the cache, the offset from IndexedDB
            await member_page.goto("/qr")
            await expect(member_page.locator("#member-qr")).to_have_attribute("data-token", re.compile(r"^DS2"))
            await phone.set_offline(True)
            await member_page.reload()
        else:
            await member_page.get_by_test_id("show-card").click()
        qr = member_page.locator("#member-qr")
        await expect(qr).to_have_attribute("data-token", re.compile(r"^DS2[0-9B-LNOPR-VX]{123}$"))
        warning = member_page.get_by_test_id("qr-clock-warning")
        await expect(warning).to_contain_text(nb_words)
        await expect(warning).to_contain_text("Koden bruker riktig tid")
        server_step = time_step(datetime.now(UTC))
        assert abs(int(await qr.get_attribute("data-step") or 0) - server_step) <= 1
        token = await qr.get_attribute("data-token")
        assert token
        await screenshot(member_page, f"qr-clock-{name}")

        page = await till.new_page()
        await staff_login(page)
        # The code the phone's own clock would give: signed right, made for another time.
        await scan_typed(page, uncorrected)
        message = page.get_by_test_id("scan-message")
        await expect(message).to_have_attribute("data-code", "qr_clock_off")
        await expect(message).to_contain_text(till_nb)
        await expect(message).to_contain_text("Be kunden åpne appen én gang med nett")
        await expect(message).to_contain_text("Eller skriv inn medlemsnummeret.")
        await screenshot(page, f"till-qr-clock-off-{name}")
        await page.get_by_test_id("lang-switch").click()
        await expect(message).to_contain_text(till_en)
        await expect(message).to_contain_text("Or type their member number.")
        await screenshot(page, f"till-qr-clock-off-{name}-en")
        await page.get_by_test_id("lang-switch").click()

        # The code on the screen, signed with the server's time: accepted, and the stamp lands.
        await scan_typed(page, token)
        await expect(page.get_by_test_id("scan-result")).to_be_visible()
        await page.get_by_test_id("staff-add-1").click()
        await expect(page.get_by_test_id("scan-message")).to_have_text("Stempel lagt til – 1 av 10")

        # The QR screen in English says the same; it keeps working.
        await member_page.evaluate("localStorage.setItem('lang', 'en')")
        await member_page.reload()
        await expect(member_page.get_by_test_id("qr-clock-warning")).to_contain_text(en_words)
        await expect(member_page.get_by_test_id("qr-clock-warning")).to_contain_text(
            "The code uses the right time, so it still works at the till."
        )
        await expect(qr).to_have_attribute("data-token", re.compile(r"^DS2"))
        await screenshot(member_page, f"qr-clock-{name}-en")
        await member_page.evaluate("localStorage.setItem('lang', 'nb')")
    finally:
        await phone.close()


async def test_a_phone_with_the_right_time_shows_no_clock_warning(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await join(page, server)
    await page.get_by_test_id("show-card").click()
    await expect(page.locator("#member-qr")).to_have_attribute("data-token", re.compile(r"^DS2"))
    await expect(page.get_by_test_id("qr-clock-warning")).to_be_hidden()
    stored = await page.evaluate("async () => (await import('/assets/idb.js')).idbGet('meta', 'clock')")
    assert abs(stored["offset_ms"]) < 5000 and stored["round_trip_ms"] >= 0
