"""The member's side: joining, the profile bonus, errors and language."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import Server, fresh_mobile, outbox_code, request_code, screenshot

pytestmark = pytest.mark.browser


async def test_member_joins_in_two_steps(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()

    # Step 1: number + terms, then the code from the (dev) SMS.
    mobile = fresh_mobile()
    await request_code(page, mobile)
    await expect(page.get_by_test_id("code-destination")).to_contain_text(mobile[-3:])
    await screenshot(page, "join-code")
    await page.get_by_test_id("code-input").fill(await outbox_code(server, mobile))
    await page.get_by_test_id("code-submit").click()

    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("flash")).to_contain_text("Velkommen")
    await expect(page.get_by_test_id("stamp-count")).to_have_text("0 av 10 stempler")
    await expect(page.get_by_test_id("tier-badge")).to_have_text("Bronse")
    await expect(page.get_by_test_id("tier-progress-text")).to_have_text(re.compile(r"^\d+ stempler? til Sølv$"))
    await expect(page.get_by_test_id("member-number")).to_have_text(re.compile(r"^Medlemsnummer [\d ]{8,11}$"))
    await expect(page.get_by_test_id("profile-prompt")).to_be_visible()
    await screenshot(page, "home-new-member")

    # Step 2: the profile, from the prompt.
    await page.get_by_test_id("profile-prompt-cta").click()
    await page.wait_for_url(re.compile(r"/profile$"))
    await page.get_by_test_id("profile-first-name").fill("Kari")
    await page.get_by_test_id("profile-birthday").fill("1990-05-17")
    await page.get_by_test_id("interest-kaffe").check()
    await page.get_by_test_id("interest-bakst").check()
    await page.get_by_test_id("profile-store").select_option(label="Grünerløkka")
    await screenshot(page, "profile-filled")
    await page.get_by_test_id("profile-save").click()

    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("flash")).to_have_text("Takk! Du fikk et bonusstempel.")
    await expect(page.get_by_test_id("stamp-count")).to_have_text("1 av 10 stempler")
    await expect(page.locator(".stamp.filled")).to_have_count(1)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Kari")
    bonus = page.get_by_test_id("activity-item").filter(has_text="Bonus: +1 stempel")
    await expect(bonus).to_have_count(1)
    await expect(bonus).to_contain_text("Profil fullført")
    await expect(page.get_by_test_id("profile-prompt")).to_have_count(0)
    await screenshot(page, "home-after-profile")

    # The prompt stays gone after a reload (it is the server's state, not the page's).
    await page.reload()
    await expect(page.get_by_test_id("stamp-count")).to_have_text("1 av 10 stempler")
    await expect(page.get_by_test_id("profile-prompt")).to_have_count(0)


async def test_member_sees_friendly_errors(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()

    # A malformed phone number: the server refuses it, the member reads why.
    await page.goto("/join")
    await page.get_by_test_id("identifier-input").fill("12ab34")
    await page.get_by_test_id("terms-checkbox").check()
    await page.get_by_test_id("identify-submit").click()
    form_error = page.get_by_test_id("form-error")
    await expect(form_error).to_have_text("Det ser ikke ut som et gyldig mobilnummer eller en e-postadresse.")
    await expect(page.get_by_test_id("identifier-input")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("code-input")).to_have_count(0)
    await screenshot(page, "join-invalid-phone")

    # A wrong code: a sentence with the attempts left, not the problem-details JSON.
    mobile = fresh_mobile()
    await request_code(page, mobile)
    code = await outbox_code(server, mobile)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    await page.get_by_test_id("code-input").fill(wrong)
    await page.get_by_test_id("code-submit").click()
    code_error = page.get_by_test_id("code-error")
    await expect(code_error).to_have_text(re.compile(r"^Feil kode\. Du har [1-4] forsøk igjen\.$"))
    text = await code_error.inner_text()
    assert "{" not in text and "code_invalid" not in text and "status" not in text
    await expect(page).to_have_url(re.compile(r"/join$"))
    await screenshot(page, "join-wrong-code")

    # The right code still works after a wrong one.
    await page.get_by_test_id("code-input").fill(code)
    await page.get_by_test_id("code-submit").click()
    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("stamp-count")).to_have_text("0 av 10 stempler")


async def test_english_switch(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await page.goto("/join")
    html = page.locator("html")
    await expect(html).to_have_attribute("lang", "nb")
    await expect(page.get_by_test_id("identify-submit")).to_have_text("Send kode")
    await expect(page.get_by_label("Mobilnummer eller e-post")).to_be_visible()

    await page.get_by_test_id("lang-switch").click()

    await expect(html).to_have_attribute("lang", "en")
    await expect(page.get_by_test_id("identify-submit")).to_have_text("Send code")
    await expect(page.get_by_label("Mobile number or e-mail")).to_be_visible()
    await expect(page.get_by_test_id("lang-switch")).to_have_text("Norsk")
    await screenshot(page, "join-english")

    # The choice sticks on this device.
    await page.reload()
    await expect(html).to_have_attribute("lang", "en")
    await expect(page.get_by_test_id("identify-submit")).to_have_text("Send code")

    # And the flow goes on in English: the client-side check speaks it too.
    await page.get_by_test_id("identify-submit").click()
    await expect(page.get_by_test_id("form-error")).to_have_text("Enter a mobile number or an e-mail address.")
