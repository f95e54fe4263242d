"""Program setup in the owner's back office: the owner changes the stamp card (8 stamps, one stamp per
100 kr) and lowers a tier threshold, watching the preview; a till then stamps a purchase by amount
and the new rules show. The demo program and ladder are put back afterwards (one shared server)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.conftest import Server, join, owner_login, screenshot, staff_login

pytestmark = pytest.mark.browser


async def owner_api(page: Page, method: str, path: str, body: Any = None) -> Any:
    """The app's own API client, in the owner's page (session cookie and CSRF header included)."""
    return await page.evaluate(
        "async ([method, path, body]) => (await import('/assets/api.js'))"
        ".request(path, { method, body: body ?? undefined })",
        [method, path, body],
    )


async def test_owner_changes_the_program_and_a_tier_then_the_till_stamps_by_amount(
    phone: BrowserContext, till: BrowserContext, office: BrowserContext, server: Server
) -> None:
    member = await join(await phone.new_page(), server)
    owner = await office.new_page()
    await owner_login(owner)
    ladder = await owner_api(owner, "GET", "/api/admin/tiers")
    programs = await owner_api(owner, "GET", "/api/admin/programs")
    demo = next(p for p in programs["programs"] if p["name"] == "Kaffekortet")
    try:
        # The stamp card: 8 stamps, one stamp per 100 kr spent.
        await owner.get_by_test_id("admin-nav-program").click()
        await expect(owner.get_by_test_id("program-new-cards-only")).to_have_text(
            "Endringer gjelder nye kort. Kort som allerede er startet beholder sine regler."
        )
        item = owner.locator(f'[data-testid="program-item"][data-program-id="{demo["id"]}"]')
        await expect(item.get_by_test_id("program-summary")).to_have_text("10 stempler gir Gratis kaffe (45 kr)")
        await item.get_by_test_id("program-edit").click()
        await owner.get_by_test_id("program-capacity").fill("0")
        await owner.get_by_test_id("program-save").click()
        await expect(owner.get_by_test_id("error-capacity")).to_have_text("Et kort har mellom 1 og 50 stempler.")
        await owner.get_by_test_id("program-capacity").fill("8")
        await owner.get_by_test_id("program-basis-amount").check()
        await owner.get_by_test_id("program-per-stamp").fill("100")
        await screenshot(owner, "program-phone")
        await owner.get_by_test_id("program-save").click()
        await expect(owner.get_by_test_id("flash")).to_have_text("Lagret. Nye kort får de nye reglene.")
        await expect(item.get_by_test_id("program-summary")).to_have_text("8 stempler gir Gratis kaffe (45 kr)")
        await expect(item).to_contain_text("Ett stempel per 100 kr handlet")
        await screenshot(owner, "program-list-phone")

        # A tier: Sølv from 2 stamps; the preview follows before anything is saved.
        await owner.get_by_test_id("program-nav-tiers").click()
        solv = owner.locator('[data-testid="tier-preview-row"][data-code="solv"]')
        await expect(solv).to_be_visible()
        before = await solv.get_by_test_id("tier-preview-proposed").inner_text()
        await owner.get_by_test_id("tier-threshold-1").fill("30")
        await expect(owner.get_by_test_id("tier-error-2")).to_have_text(
            "Hvert nivå må kreve flere stempler enn nivået før."
        )
        await expect(owner.get_by_test_id("tier-preview-waiting")).to_be_visible()
        await owner.get_by_test_id("tier-threshold-1").fill("2")
        await expect(owner.get_by_test_id("tier-error-2")).to_have_text("")
        await expect(solv.get_by_test_id("tier-preview-proposed")).not_to_have_text(before)
        await expect(solv).to_contain_text("fra 2 stempler")
        await owner.get_by_test_id("tier-early-2").fill("120")  # Gull: campaigns two hours earlier by default
        await screenshot(owner, "tiers-phone")
        await owner.get_by_test_id("tiers-save").click()
        await expect(owner.get_by_test_id("flash")).to_have_text("Nivåene er lagret.")
        assert (await owner_api(owner, "GET", "/api/admin/tiers"))["tiers"][1]["threshold"] == 2
        await owner.goto("/admin/campaigns/new")  # the head start is pre-filled for Gull only
        await expect(owner.get_by_test_id("early-access")).to_be_checked()
        await expect(owner.get_by_test_id("early-tier-gull")).to_be_checked()
        await expect(owner.get_by_test_id("early-tier-solv")).not_to_be_checked()
        await expect(owner.get_by_test_id("early-lead")).to_have_value("2")
        await expect(owner.get_by_test_id("early-unit")).to_have_value("hours")
        await owner.goto("/admin/program")

        # The till: a 249,50 kr purchase gives 2 stamps on a card of 8, and Sølv.
        page = await till.new_page()
        await staff_login(page)
        await page.get_by_test_id("staff-manual-input").fill(member.member_number)
        await page.get_by_test_id("staff-manual-submit").click()
        await expect(page.get_by_test_id("scan-stamp-count")).to_have_text("0 av 8 stempler")
        await expect(page.get_by_test_id("staff-add-1")).to_have_count(0)
        amount = page.get_by_test_id("staff-amount")
        await expect(amount).to_have_attribute("inputmode", "decimal")
        await amount.fill("50")
        await expect(page.get_by_test_id("staff-amount-gives")).to_have_text(
            "For lite til et stempel (ett per 100 kr)."
        )
        await expect(page.get_by_test_id("staff-amount-confirm")).to_be_disabled()
        await amount.fill("249,50")
        await expect(page.get_by_test_id("staff-amount-gives")).to_have_text("Gir 2 stempler")
        await screenshot(page, "staff-amount-phone")
        await page.get_by_test_id("staff-amount-confirm").click()
        await expect(page.get_by_test_id("scan-message")).to_contain_text("2 av 8")
        await expect(page.get_by_test_id("scan-stamp-count")).to_have_text("2 av 8 stempler")
        await expect(page.get_by_test_id("scan-tier")).to_have_text("Sølv")

        # The owner's screen in English.
        await owner.get_by_test_id("program-nav-cards").click()
        await owner.get_by_test_id("lang-switch").click()
        await expect(owner.get_by_test_id("program-new-cards-only")).to_have_text(
            "Changes apply to new cards. Cards already started keep their rules."
        )
        await expect(item.get_by_test_id("program-summary")).to_have_text("8 stamps give Gratis kaffe (NOK 45)")
    finally:
        await owner_api(
            owner,
            "PATCH",
            f"/api/admin/programs/{demo['id']}",
            {"capacity": demo["capacity"], "stamp_basis": demo["stamp_basis"], "ore_per_stamp": demo["ore_per_stamp"]},
        )
        fields = (
            "code",
            "name_nb",
            "name_en",
            "threshold",
            "stamp_multiplier",
            "extra_reward_text",
            "early_access_minutes",
        )
        tiers = [{k: t[k] for k in fields} for t in ladder["tiers"]]
        await owner_api(owner, "PUT", "/api/admin/tiers", {"tiers": tiers, "window_days": ladder["window_days"]})
