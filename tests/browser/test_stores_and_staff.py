"""Stores and staff in the owner's back office: the owner creates a store with opening hours and
invites a person by e-mail; the person opens the one-time link, picks a username and password, lands
on the till and stamps a card; the owner disables them and their next request is refused."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.browser.conftest import Server, join, new_phone_context, owner_login, screenshot, staff_login

pytestmark = pytest.mark.browser


async def invite_link(server: Server, email: str) -> str:
    """The one-time link in the newest e-mail to `email` in the dev outbox."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(50):
            messages = (await client.get("/api/dev/outbox", params={"to": email})).json()
            for message in messages:
                found = re.search(r"https?://\S+/staff/invite/[A-Za-z0-9_-]+", message["body"])
                if found:
                    return found.group(0)
            await asyncio.sleep(0.1)
    raise AssertionError(f"no invite link for {email}")


async def test_owner_creates_a_store_invites_staff_who_scans_then_is_disabled(
    phone: BrowserContext, till: BrowserContext, office: BrowserContext, server: Server
) -> None:
    member_page = await phone.new_page()
    member = await join(member_page, server)

    owner = await office.new_page()
    await owner_login(owner)
    await owner.get_by_test_id("admin-nav-stores").click()
    await expect(owner.get_by_test_id("store-item")).to_have_count(2)
    await expect(owner.locator('[data-slug="grunerlokka"]')).to_contain_text("man–fre 07:30–18:00")
    await screenshot(owner, "stores-list")

    # A new store with its opening hours.
    await owner.get_by_test_id("store-new").click()
    await owner.get_by_test_id("store-name").fill("Torshov")
    await owner.get_by_test_id("store-address").fill("Vogts gate 20, 0474 Oslo")
    await owner.get_by_test_id("hours-mon-open").check()
    await owner.get_by_test_id("hours-mon-opens-0").fill("07:00")
    await owner.get_by_test_id("hours-mon-closes-0").fill("17:00")
    await owner.get_by_test_id("hours-copy-weekdays").click()
    await owner.get_by_test_id("hours-sat-open").check()
    await owner.get_by_test_id("hours-sat-add").click()
    await owner.get_by_test_id("hours-sat-opens-0").fill("10:00")
    await owner.get_by_test_id("hours-sat-closes-0").fill("12:00")
    await owner.get_by_test_id("hours-sat-opens-1").fill("11:00")  # overlaps: the server says so, at Saturday
    await owner.get_by_test_id("hours-sat-closes-1").fill("15:00")
    await screenshot(owner, "store-new-form")
    await owner.get_by_test_id("store-save").click()
    await expect(owner.get_by_test_id("error-opening_hours")).to_have_text("To åpningstider samme dag overlapper.")
    await owner.get_by_test_id("hours-sat-opens-1").fill("13:00")
    await owner.get_by_test_id("store-save").click()
    await owner.wait_for_url(re.compile(r"/admin/stores/\d+$"))
    await expect(owner.get_by_test_id("flash")).to_contain_text("Butikken er opprettet")
    await expect(owner.get_by_test_id("store-name")).to_have_value("Torshov")
    await expect(owner.get_by_test_id("hours-fri-closes-0")).to_have_value("17:00")
    await expect(owner.get_by_test_id("hours-sun-open")).not_to_be_checked()
    await screenshot(owner, "store-created")

    # Invite a person to this store.
    await owner.get_by_test_id("store-invite").click()
    await owner.wait_for_url(re.compile(r"/admin/staff/invite\?store=\d+$"))
    await expect(owner.get_by_test_id("staff-store")).to_have_text(re.compile("Torshov"))
    await owner.get_by_test_id("staff-name").fill("Kari Nordmann")
    await owner.get_by_test_id("staff-email").fill("kari.torshov@example.com")
    await owner.get_by_test_id("staff-role-manager").check()
    await screenshot(owner, "staff-invite-form")
    await owner.get_by_test_id("staff-save").click()
    await owner.wait_for_url(re.compile(r"/admin/stores/\d+$"))
    await expect(owner.get_by_test_id("flash")).to_have_text("Invitasjonen er sendt.")
    await expect(owner.get_by_test_id("invite-item")).to_contain_text("kari.torshov@example.com")

    # The invited person opens the link on the store's device and sets a password.
    link = await invite_link(server, "kari.torshov@example.com")
    assert link.startswith(server.url)
    page = await till.new_page()
    await page.goto(link)
    await expect(page.get_by_test_id("invite-where")).to_have_text(
        "Du er invitert til Kaffe & Kanel – Torshov som Butikksjef. Velg brukernavn og passord for å logge inn."
    )
    await page.get_by_test_id("invite-username").fill("kari")
    await page.get_by_test_id("invite-password").fill("kanelsnurr-og-kaffe")
    await page.get_by_test_id("invite-repeat").fill("kanelsnurr-og-kaffe")
    await screenshot(page, "staff-invite-accept")
    await page.get_by_test_id("invite-submit").click()
    await page.wait_for_url(re.compile(r"/staff$"))
    await expect(page.get_by_test_id("staff-identity")).to_contain_text("Torshov")

    # … and stamps a member's card at the till.
    await page.get_by_test_id("staff-manual-input").fill(member.member_number)
    await page.get_by_test_id("staff-manual-submit").click()
    await page.get_by_test_id("staff-add-1").click()
    await expect(page.get_by_test_id("scan-message")).to_have_text("Stempel lagt til – 1 av 10")

    # The link was for one use only.
    used = await phone.new_page()
    await used.goto(link)
    await expect(used.get_by_test_id("invite-error")).to_have_text("Lenken er allerede brukt. Logg inn i stedet.")

    # The owner sees one device signed in, then disables the account.
    await owner.reload()
    await expect(owner.get_by_test_id("store-devices-count")).to_have_text("1 enhet er logget inn i butikken nå.")
    await owner.locator('[data-testid="staff-item"][data-username="kari"] a').click()
    await owner.wait_for_url(re.compile(r"/admin/staff/\d+$"))
    await expect(owner.get_by_test_id("staff-status")).to_have_text("Aktiv")
    await owner.get_by_test_id("staff-disable").click()
    await screenshot(owner, "staff-disable-confirm")
    await owner.get_by_test_id("staff-disable-confirm-yes").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Kontoen er deaktivert og logget ut overalt.")
    await expect(owner.get_by_test_id("staff-status")).to_have_text("Deaktivert")
    await screenshot(owner, "staff-disabled")

    # Her session is refused at once: the till's next request goes back to the login.
    await page.get_by_test_id("staff-new-scan").click()
    await page.get_by_test_id("staff-manual-input").fill(member.member_number)
    await page.get_by_test_id("staff-manual-submit").click()
    response = await page.request.get("/api/staff/me")
    assert response.status == 401
    await page.goto("/staff")
    await page.wait_for_url(re.compile(r"/staff/login$"))
    await page.get_by_test_id("staff-username").fill("kari")
    await page.get_by_test_id("staff-password").fill("kanelsnurr-og-kaffe")
    await page.get_by_test_id("staff-login-submit").click()
    await expect(page.get_by_test_id("staff-login-error")).to_have_text("Kontoen er deaktivert. Kontakt eieren.")


async def test_the_owner_signs_out_every_device_of_a_store(
    till: BrowserContext, office: BrowserContext, server: Server
) -> None:
    page = await till.new_page()
    await staff_login(page)
    owner = await office.new_page()
    await owner_login(owner)
    await owner.goto("/admin/stores")
    await owner.locator('[data-slug="grunerlokka"] a').click()
    await expect(owner.get_by_test_id("store-devices-count")).not_to_have_text(re.compile("^0 "))
    await owner.get_by_test_id("store-sign-out").click()
    await expect(owner.get_by_test_id("store-sign-out-confirm")).to_contain_text("Logge ut")
    await screenshot(owner, "store-sign-out-confirm")
    await owner.get_by_test_id("store-sign-out-confirm-yes").click()
    await expect(owner.get_by_test_id("store-signed-out")).to_contain_text("logget ut")
    await expect(owner.get_by_test_id("store-devices-count")).to_have_text("0 enheter er logget inn i butikken nå.")
    await page.goto("/staff")
    await page.wait_for_url(re.compile(r"/staff/login$"))
    assert (await (await owner.request.get("/api/staff/me")).json())["staff"]["role"] == "owner"


async def test_the_owner_signs_out_one_till_from_the_stores_device_list(
    till: BrowserContext, office: BrowserContext, browser: Browser, server: Server
) -> None:
    """A tablet left behind: the owner finds it by its browser and signs out only that one."""
    kept = await till.new_page()
    await staff_login(kept)
    lost_context = await new_phone_context(
        browser, server, user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    )
    lost = await lost_context.new_page()
    await staff_login(lost)
    owner = await office.new_page()
    await owner_login(owner)
    await owner.goto("/admin/stores")
    await owner.locator('[data-slug="grunerlokka"] a').click()
    tablet = owner.get_by_test_id("store-device").filter(has_text="Firefox · Windows")
    await expect(tablet).to_have_count(1)
    await expect(tablet).to_contain_text("Sist brukt")
    await screenshot(owner, "store-devices")
    await tablet.get_by_test_id("store-device-sign-out").click()
    await expect(owner.get_by_test_id("store-signed-out")).to_have_text("1 enhet er logget ut.")
    await expect(tablet).to_have_count(0)
    await lost.goto("/staff")
    await lost.wait_for_url(re.compile(r"/staff/login$"))
    await kept.reload()
    await expect(kept.get_by_test_id("staff-identity")).to_be_visible()
    await lost_context.close()
