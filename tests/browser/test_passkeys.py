"""Passkeys on a phone: Chromium's virtual authenticator (CDP WebAuthn domain) stands in for the phone's
fingerprint, and the server's real WebAuthn verification checks what it signs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.conftest import Server, join, screenshot, staff_login

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


async def add_virtual_authenticator(page: Page) -> None:
    """A platform authenticator with a fingerprint that always recognises its owner."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable", {"enableUI": False})
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


async def test_member_adds_a_passkey_and_logs_in_with_it(
    phone: BrowserContext, till: BrowserContext, server: Server
) -> None:
    page = await phone.new_page()
    await add_virtual_authenticator(page)
    member = await join(page, server)

    # Min profil → "Logg inn raskere med passkey".
    await page.get_by_test_id("nav-profile").click()
    section = page.get_by_test_id("passkey-section")
    await expect(section.get_by_test_id("passkey-empty")).to_have_text("Du har ingen passkey ennå.")
    await section.get_by_test_id("passkey-add").click()
    await expect(section.get_by_test_id("passkey-status")).to_have_text(
        "Passkey lagt til. Neste gang kan du logge inn med den."
    )
    item = section.get_by_test_id("passkey-item")
    await expect(item).to_have_count(1)
    await expect(item.get_by_test_id("passkey-name")).to_have_text(re.compile(r"^Chrome · (Android|Linux)$"))
    await expect(item).to_contain_text("ikke brukt ennå")
    await section.scroll_into_view_if_needed()
    await screenshot(page, "passkeys-profile")
    await page.screenshot(path=str(SHOTS / "passkeys-phone.png"))  # the phone's screen at the section

    # Log out. Where the browser has conditional mediation, /login asks for the passkey at once (the
    # phone offers it in the identifier's suggestions; the virtual authenticator picks it like a member).
    await page.get_by_test_id("logout").click()
    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("stamp-count")).to_have_text("0 av 10 stempler")
    me = await (await page.request.get("/api/me")).json()
    assert me["member"]["member_number"] == member.member_number

    # A browser without conditional mediation: the button, right beside the one-time code.
    await page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
    await page.goto("/profile")
    await page.get_by_test_id("logout").click()
    await page.wait_for_url(re.compile(r"/login$"))
    assert (await page.request.get("/api/me")).status == 401
    await expect(page.get_by_test_id("identify-submit")).to_be_visible()
    await expect(page.get_by_test_id("passkey-login")).to_have_text("Logg inn med passkey")
    await screenshot(page, "passkeys-login")
    await page.screenshot(path=str(SHOTS / "passkeys-login-phone.png"))

    await page.get_by_test_id("passkey-login").click()
    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("stamp-count")).to_have_text("0 av 10 stempler")
    me = await (await page.request.get("/api/me")).json()
    assert me["member"]["member_number"] == member.member_number

    # The phone got a new QR device key at login: a till accepts the card it shows.
    await page.get_by_test_id("show-card").click()
    qr = page.locator("#member-qr")
    await expect(qr).to_have_attribute("data-token", re.compile(r"^DS2[0-9B-LNOPR-VX]{123}$"))
    token = await qr.get_attribute("data-token")
    till_page = await till.new_page()
    await staff_login(till_page)
    csrf = next(c["value"] for c in await till.cookies() if c["name"] == "csrftoken")
    scanned = await till_page.request.post("/api/staff/scans", data={"code": token}, headers={"x-csrftoken": csrf})
    assert scanned.status == 201, await scanned.text()

    # The profile now says when the passkey was last used; removing it leaves the code login.
    await page.goto("/profile")
    await expect(page.get_by_test_id("passkey-item")).to_contain_text("sist brukt")
    await page.get_by_test_id("passkey-remove").click()
    await expect(page.get_by_test_id("passkey-status")).to_have_text("Passkey fjernet.")
    await expect(page.get_by_test_id("passkey-item")).to_have_count(0)
    await page.get_by_test_id("logout").click()
    await page.wait_for_url(re.compile(r"/login$"))
    await page.get_by_test_id("passkey-login").click()
    error = page.get_by_test_id("passkey-login-error")
    await expect(error).to_contain_text("ikke registrert hos oss")
    assert "{" not in await error.inner_text()
    await expect(page.get_by_test_id("identify-submit")).to_be_visible()
