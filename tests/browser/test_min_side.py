"""Min side in a real browser on a phone: history, rewards, the phones signed in, and the data export
downloaded and opened."""

from __future__ import annotations

import json
import re

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Member, Server, join, member_login, new_phone_context, screenshot, staff_login

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


async def member_with_a_stamp(page: Page, cashier: Page, server: Server) -> Member:
    """A new member who has had one stamp at the till (by member number)."""
    member = await join(page, server)
    await staff_login(cashier)
    await cashier.get_by_test_id("staff-manual-input").fill(member.member_number)
    await cashier.get_by_test_id("staff-manual-submit").click()
    await cashier.get_by_test_id("staff-add-1").click()
    await expect(cashier.get_by_test_id("scan-message")).to_contain_text("Stempel lagt til")
    return member


async def test_min_side_shows_history_signs_out_another_phone_and_exports_the_data(
    phone: BrowserContext, till: BrowserContext, browser: Browser, server: Server
) -> None:
    page, cashier = await phone.new_page(), await till.new_page()
    member = await member_with_a_stamp(page, cashier, server)

    # The same member on an old iPhone, to be signed out from the new phone.
    old_context = await new_phone_context(browser, server, user_agent=IPHONE)
    old = await old_context.new_page()
    await member_login(old, server, member.mobile)

    await page.get_by_test_id("nav-me").click()
    await page.wait_for_url(re.compile(r"/me$"))
    history = page.get_by_test_id("me-history-list").get_by_test_id("activity-item")
    await expect(history.first).to_contain_text("+1 stempel")
    await expect(history.first).to_contain_text("Grünerløkka")
    await expect(page.get_by_test_id("me-rewards")).to_contain_text("ingen belønninger")
    sessions = page.get_by_test_id("me-session")
    await expect(sessions).to_have_count(2)
    await expect(page.get_by_test_id("me-session-this")).to_have_count(1)
    await screenshot(page, "min-side-phone")

    iphone = sessions.filter(has_text="Safari · iPhone")
    await iphone.get_by_test_id("me-session-sign-out").click()
    await expect(page.get_by_test_id("me-sessions-done")).to_have_text("1 innlogging er avsluttet.")
    await expect(sessions).to_have_count(1)
    await old.goto("/")
    await old.wait_for_url(re.compile(r"/(login|join)"))  # signed out: back to the start
    await old_context.close()

    async with page.expect_download() as info:
        await page.get_by_test_id("me-export").click()
    download = await info.value
    assert download.suggested_filename.startswith(f"stampcard-mine-data-{member.member_number}-")
    data = json.loads((await download.path()).read_text("utf-8"))
    assert data["profile"]["member_number"] == member.member_number
    assert data["profile"]["phone"] == f"+47{member.mobile}"
    assert [e["kind"] for e in data["ledger"]].count("stamp") == 1
    assert {c["purpose"] for c in data["consents"]} >= {"terms"} and len(data["sessions"]) == 2


async def test_leaving_the_club_then_logging_in_again_starts_a_brand_new_membership(
    phone: BrowserContext, till: BrowserContext, server: Server
) -> None:
    page, cashier = await phone.new_page(), await till.new_page()
    member = await member_with_a_stamp(page, cashier, server)

    await page.goto("/me")
    leave = page.get_by_test_id("me-leave")
    await expect(leave).to_be_disabled()  # nothing happens without the tick
    await page.get_by_test_id("me-leave-section").scroll_into_view_if_needed()
    await screenshot(page, "min-side-leave-phone")
    await page.get_by_test_id("me-leave-confirm").check()
    await leave.click()
    await page.wait_for_url(re.compile(r"/join$"))
    await expect(page.get_by_test_id("flash")).to_contain_text("Du er meldt ut")

    # The till no longer finds the old number; the phone number joins again as someone new.
    await cashier.get_by_test_id("staff-manual-input").fill(member.member_number)
    await cashier.get_by_test_id("staff-manual-submit").click()
    await expect(cashier.get_by_test_id("scan-message")).to_be_visible()
    await expect(cashier.get_by_test_id("scan-result")).to_have_count(0)
    again = await join(page, server, member.mobile)
    assert again.member_number != member.member_number
    await expect(page.get_by_test_id("stamp-count")).to_have_text("0 av 10 stempler")
    await page.goto("/me")
    await expect(page.get_by_test_id("me-history-list")).to_contain_text("Ingenting ennå")
