"""The opt-out link in a real browser on a phone: the member opens the link from an SMS, taps the big
button, and sees the confirmation; the ledger has the withdrawal. No script on the page, and the CSP lets
its own style sheet through."""

from __future__ import annotations

import os

from playwright.async_api import BrowserContext, expect

from backend.settings import PLACEHOLDER_SECRET
from digital_stampcard.opt_out import OptOut, make_token
from tests.browser.conftest import Server, join, query, screenshot

BRAND = "rgb(91, 58, 41)"  # --brand in pwa/assets/opt-out.css


async def test_the_member_taps_the_button_and_is_unsubscribed_from_sms_offers(
    phone: BrowserContext, server: Server
) -> None:
    page = await phone.new_page()
    member = await join(page, server)
    csrf = next(c["value"] for c in await phone.cookies() if c["name"] == "csrftoken")
    said_yes = await page.request.put(
        "/api/me/consents/marketing_sms", data={"granted": True}, headers={"x-csrftoken": csrf}
    )
    assert said_yes.ok, await said_yes.text()
    [(member_id,)] = await query(
        server.database_url, "SELECT id FROM member WHERE member_number = ?", member.member_number
    )
    secret = os.environ.get("SECRET_KEY", PLACEHOLDER_SECRET)  # the server's, which it got from this environment
    token = make_token(secret, OptOut(int(str(member_id)), "sms", 12))

    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    await page.goto(f"/u/{token}")
    question = page.get_by_test_id("opt-out-question")
    await expect(question).to_have_text("Vil du slutte å få tilbud på SMS fra Kaffe & Kanel?")
    button = page.get_by_test_id("opt-out-confirm")
    await expect(button).to_have_text("Ja, meld meg av")
    await expect(button).to_have_css("background-color", BRAND)  # the style sheet got through the CSP
    box = await button.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 300  # a thumb-sized button, full width
    await screenshot(page, "opt-out-ask-phone")

    await button.tap()
    await expect(page.get_by_test_id("opt-out-done")).to_have_text("Du er meldt av.")
    await expect(page.get_by_test_id("opt-out-page")).to_contain_text(
        "Du får ikke flere tilbud på SMS fra Kaffe & Kanel."
    )
    await expect(page.get_by_test_id("opt-out-min-side")).to_have_attribute("href", "/me")
    await screenshot(page, "opt-out-done-phone")
    assert problems == []

    rows = await query(
        server.database_url,
        "SELECT granted, source FROM consent_event WHERE member = ? AND purpose = 'marketing_sms' ORDER BY id",
        member_id,
    )
    assert [(bool(granted), source) for granted, source in rows] == [
        (True, "min_side"),
        (False, "opt_out_link:campaign:12"),
    ]

    await page.get_by_test_id("opt-out-min-side").click()  # Min side shows the "no"
    await expect(page.get_by_test_id("me-consent-marketing_sms")).not_to_be_checked()
