"""When a screen's first load fails (ui.js `loadInto`): the error where the screen would be, "Prøv igjen"
that really loads it again, a kind word for something that is not there, and the login for a visitor
without a session. The server is made to fail with Playwright's routing, once."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import Server, join, owner_login

pytestmark = pytest.mark.browser

SERVER_ERROR = "Noe gikk galt hos oss. Prøv igjen om litt."


async def fail_first_get(page: Page, url: str, *, status: int = 500) -> list[str]:
    """The first GET of `url` answers `status` (a problem+json); later ones reach the server. Returns
    the methods seen, so a test can tell the retry went out."""
    seen: list[str] = []

    async def handle(route: Route) -> None:
        seen.append(route.request.method)
        if route.request.method == "GET" and len(seen) == 1:
            await route.fulfill(
                status=status,
                content_type="application/problem+json",
                body=f'{{"status": {status}, "code": "server_error", "detail": "down for a moment"}}',
            )
        else:
            await route.continue_()

    await page.route(url, handle)
    return seen


async def test_owner_screen_shows_the_error_and_loads_again(office: BrowserContext) -> None:
    page = await office.new_page()
    await owner_login(page)
    seen = await fail_first_get(page, "**/api/admin/campaigns")
    await page.get_by_test_id("admin-nav-campaigns").click()
    await page.wait_for_url(re.compile(r"/admin/campaigns$"))
    error = page.get_by_test_id("admin-error")
    await expect(error).to_have_text(SERVER_ERROR)
    await expect(error).to_have_class(re.compile(r"\bnotice-error\b"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kampanjer")
    await page.get_by_role("button", name="Prøv igjen").click()
    await expect(page.get_by_test_id("campaign-list").or_(page.get_by_test_id("campaigns-empty"))).to_be_visible()
    await expect(error).to_have_count(0)
    assert seen == ["GET", "GET"]


async def test_a_store_that_is_not_there_says_so_with_the_way_back(office: BrowserContext) -> None:
    page = await office.new_page()
    await owner_login(page)
    await page.goto("/admin/stores/987654")
    missing = page.get_by_test_id("admin-error")
    await expect(missing).to_have_text("Fant den ikke. Den kan være slettet, eller lenken er feil.")
    await expect(missing).to_have_class(re.compile(r"\bnotice-info\b"))
    await expect(page.get_by_role("button", name="Prøv igjen")).to_have_count(0)
    await page.get_by_role("link", name="← Butikker og ansatte").click()
    await page.wait_for_url(re.compile(r"/admin/stores$"))
    await expect(page.get_by_test_id("store-list")).to_be_visible()


async def test_member_screens_fail_in_place_and_load_again(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await join(page, server)

    # Min side as a whole: the error instead of the page, then the page.
    await fail_first_get(page, "**/api/me/history")
    await page.goto("/me")
    await expect(page.get_by_test_id("me-error")).to_have_text(SERVER_ERROR)
    await page.get_by_role("button", name="Prøv igjen").click()
    await expect(page.get_by_test_id("me-rewards")).to_be_visible()
    await expect(page.get_by_test_id("me-error")).to_have_count(0)

    # One section of it: the rest of Min side stands, and the section's own button loads it again.
    await fail_first_get(page, "**/api/me/consents")
    await page.reload()
    consents = page.get_by_test_id("me-consents")
    await expect(consents.get_by_test_id("me-consents-error")).to_have_text(SERVER_ERROR)
    await expect(page.get_by_test_id("me-rewards")).to_be_visible()
    await consents.get_by_role("button", name="Prøv igjen").click()
    await expect(consents.get_by_test_id("me-consent-marketing_push")).to_be_visible()
    await expect(consents.get_by_role("heading", name="Samtykker", exact=True)).to_be_visible()


async def test_an_offer_offline_is_a_warning_with_the_way_to_the_card(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await join(page, server)
    await page.route("**/api/me/offers/*", lambda route: route.abort("internetdisconnected"))
    await page.goto("/offer/1")
    error = page.get_by_test_id("offer-error")
    await expect(error).to_have_text("Ingen nettforbindelse. Sjekk nettet og prøv igjen.")
    await expect(error).to_have_class(re.compile(r"\bnotice-warn\b"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tilbud")
    await expect(page.get_by_role("button", name="Prøv igjen")).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("kortet", re.I))).to_have_attribute("href", "/")


async def test_no_session_goes_to_the_login_that_fits(phone: BrowserContext, office: BrowserContext) -> None:
    member = await phone.new_page()
    await member.goto("/me")
    await member.wait_for_url(re.compile(r"/login$"))
    owner = await office.new_page()
    await owner.goto("/admin/campaigns")
    await owner.wait_for_url(re.compile(r"/staff/login$"))
