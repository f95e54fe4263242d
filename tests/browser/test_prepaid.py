"""Klippekort in the browser: the owner creates one, the till sells it to a member and uses a unit
from the member's QR, and the member's home screen shows what is left and until when."""

from __future__ import annotations

import re

from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, Server, join, owner_login, query, screenshot, staff_login


async def test_owner_creates_a_klippekort_the_till_sells_and_uses_it_and_the_member_sees_what_is_left(
    office: BrowserContext, till: BrowserContext, phone: BrowserContext, server: Server
) -> None:
    owner = await office.new_page()
    await owner_login(owner)
    await owner.goto("/admin/program")
    await owner.get_by_test_id("program-nav-prepaid").click()
    await owner.wait_for_url(re.compile(r"/admin/program/prepaid$"))
    # The demo café already sells one; the owner adds another.
    await expect(owner.get_by_test_id("prepaid-product").filter(has_text="10 kaffe for 300 kr")).to_be_visible()
    await owner.get_by_test_id("prepaid-create").click()  # empty name: told so, nothing saved
    await expect(owner.get_by_test_id("prepaid-form")).to_contain_text("Gi klippekortet et navn.")
    await owner.get_by_test_id("prepaid-name").fill("12 te")
    await owner.get_by_test_id("prepaid-units").fill("12")
    await owner.get_by_test_id("prepaid-price").fill("240")
    await owner.get_by_test_id("prepaid-days").fill("60")
    await owner.get_by_test_id("prepaid-create").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Klippekortet er opprettet.")
    tea = owner.get_by_test_id("prepaid-product").filter(has_text="12 te")
    await expect(tea.get_by_test_id("prepaid-product-summary")).to_have_text(
        "12 klipp for 240 kr · gyldig 60 dager etter kjøp"
    )
    await expect(owner.get_by_test_id("prepaid-liability-csv")).to_have_attribute(
        "href", "/api/admin/prepaid/liability.csv"
    )
    await screenshot(owner, "owner-prepaid")

    member_page = await phone.new_page()
    await join(member_page, server)
    await expect(member_page.get_by_test_id("prepaid-home")).to_have_count(0)  # nothing to show yet
    await member_page.get_by_test_id("show-card").click()
    qr = member_page.locator("#member-qr")
    await expect(qr).to_have_attribute("data-token", re.compile(r"^DS2[0-9B-LNOPR-VX]{123}$"))
    token = await qr.get_attribute("data-token")
    assert token
    await member_page.get_by_test_id("qr-close").click()

    page = await till.new_page()
    await staff_login(page)
    # A handheld scanner types the QR's text; the manual field takes it the same way.
    await page.get_by_test_id("staff-manual-input").fill(token)
    await page.get_by_test_id("staff-manual-submit").click()
    panel = page.get_by_test_id("prepaid-till")
    await expect(panel.get_by_test_id("prepaid-none")).to_be_visible()
    await panel.get_by_test_id("prepaid-sell").filter(has_text="12 te").click()
    await expect(panel.get_by_test_id("prepaid-message")).to_have_text("Solgt: 12 te.")
    card = panel.get_by_test_id("prepaid-card").filter(has_text="12 te")
    await expect(card.get_by_test_id("prepaid-left")).to_have_text("12 av 12 igjen")
    await card.get_by_test_id("prepaid-use").click()
    await expect(panel.get_by_test_id("prepaid-message")).to_have_text("Klipp brukt. 11 av 12 igjen.")
    await expect(card.get_by_test_id("prepaid-left")).to_have_text("11 av 12 igjen")
    await expect(panel.get_by_test_id("prepaid-undo")).to_be_visible()  # the use can be undone for 5 minutes
    await screenshot(page, "staff-prepaid")
    rows = await query(
        server.database_url,
        "SELECT e.kind FROM prepaid_entry e JOIN prepaid_card c ON c.id = e.card WHERE c.name = ? ORDER BY e.id",
        "12 te",
    )
    assert [r[0] for r in rows] == ["sale", "use"]

    # The member's home screen polls: the klippekort appears with what is left and its last day.
    item = member_page.get_by_test_id("prepaid-item").filter(has_text="12 te")
    await expect(item.get_by_test_id("prepaid-left")).to_have_text("11 av 12 igjen")
    await expect(item.get_by_test_id("prepaid-expires")).to_contain_text("Gyldig til og med")
    await member_page.get_by_test_id("prepaid-history").locator("summary").click()
    await expect(member_page.get_by_test_id("prepaid-history-item")).to_have_count(2)
    await expect(member_page.get_by_test_id("prepaid-history-item").first).to_contain_text("Brukt ett klipp · 12 te")
    await screenshot(member_page, "member-prepaid")
    # The full page has the sticky "Vis kortet" bar over the middle: the section on its own too.
    await member_page.get_by_test_id("prepaid-home").screenshot(path=str(SCREENSHOTS / "member-prepaid-section.png"))
