"""Min side in a real browser on a phone: a consent switched off and on with its history growing, and the
phone number changed with a code sent to the new number."""

from __future__ import annotations

import re

from playwright.async_api import Browser, BrowserContext, expect

from tests.browser.conftest import (
    Server,
    fresh_mobile,
    join,
    member_login,
    new_phone_context,
    outbox_code,
    screenshot,
)


async def test_a_consent_is_withdrawn_and_given_on_min_side_and_its_history_grows(
    phone: BrowserContext, server: Server
) -> None:
    page = await phone.new_page()
    await join(page, server, offers=True)
    await page.get_by_test_id("nav-me").click()
    await page.wait_for_url(re.compile(r"/me$"))
    events = page.get_by_test_id("me-consent-event")
    await expect(events).to_have_count(2)  # the terms and push offers, from the join form

    push = page.get_by_test_id("me-consent-marketing_push")
    await expect(push).to_be_checked()
    await expect(page.get_by_test_id("me-consent-terms")).to_contain_text("kan ikke trekkes tilbake her")
    await expect(page.get_by_test_id("me-consent-leave-link")).to_have_text("Meld meg ut")

    await push.click()  # off: no extra question
    await expect(events).to_have_count(3)
    await expect(push).not_to_be_checked()
    await expect(push).to_have_attribute("data-state", "withdrawn")
    await expect(events.first).to_contain_text("Tilbud som varsler: nei")
    await expect(events.first).to_contain_text("på Min side")
    await expect(events.last).to_contain_text("da du ble medlem")

    sms = page.get_by_test_id("me-consent-marketing_sms")
    await sms.click()
    await expect(events).to_have_count(4)
    await expect(sms).to_be_checked()
    await expect(events.first).to_contain_text("Tilbud på SMS: ja")
    await expect(events.first).to_contain_text("versjon 1")
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "consents-phone")

    await page.reload()  # the server kept it
    await expect(page.get_by_test_id("me-consent-event")).to_have_count(4)
    await expect(page.get_by_test_id("me-consent-marketing_push")).not_to_be_checked()


async def test_the_phone_number_is_changed_with_a_code_to_the_new_number(
    phone: BrowserContext, browser: Browser, server: Server
) -> None:
    page = await phone.new_page()
    member = await join(page, server)
    await page.goto("/profile")
    section = page.get_by_test_id("contact-section")
    await expect(section.get_by_test_id("contact-current")).to_contain_text(member.mobile[-2:])
    await expect(section).not_to_contain_text("null")  # no "done" notice yet, and no stray text in its place
    await section.get_by_test_id("contact-change").click()
    await section.get_by_test_id("contact-cancel").click()  # "Avbryt" draws the card as it was
    await expect(section.get_by_test_id("contact-current")).to_contain_text(member.mobile[-2:])
    await expect(section).not_to_contain_text("null")
    await section.get_by_test_id("contact-change").click()
    new_mobile = fresh_mobile()
    await section.get_by_test_id("contact-new").fill(new_mobile)
    await section.get_by_test_id("contact-send").click()
    code_input = section.get_by_test_id("contact-code")
    await expect(code_input).to_be_visible()
    code = await outbox_code(server, new_mobile)

    wrong = "000000" if code != "000000" else "111111"
    await code_input.fill(wrong)
    await section.get_by_test_id("contact-confirm").click()
    await expect(section.locator(".field-error")).to_contain_text("Feil kode")
    await expect(code_input).to_have_attribute("aria-invalid", "true")
    await page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page shows the header mid-way
    await screenshot(page, "change-phone-phone")

    await code_input.fill(code)
    await section.get_by_test_id("contact-confirm").click()
    await expect(section.get_by_test_id("contact-done")).to_contain_text(new_mobile[-2:])
    await expect(section.get_by_test_id("contact-current")).to_contain_text(new_mobile[-2:])
    await expect(section).not_to_contain_text("null")
    await expect(page.get_by_test_id("profile-signed-in-as")).to_contain_text(new_mobile[-2:])

    other = await new_phone_context(browser, server)  # the new number logs in to the same membership
    again = await other.new_page()
    await member_login(again, server, new_mobile)
    me = await (await again.request.get("/api/me")).json()
    assert me["member"]["member_number"] == member.member_number
    await other.close()
