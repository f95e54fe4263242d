"""The owner's club setup in the browser: the owner adds a profile field and an interest, a member fills
them in on the profile screen; the owner publishes new terms that must be accepted again, and the
member sees the prompt on their home (card still there) and accepts."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, Server, join, new_phone_context, owner_login, screenshot

pytestmark = pytest.mark.browser


async def test_owner_adds_a_field_and_an_interest_that_a_member_fills_in(
    office: BrowserContext, phone: BrowserContext, server: Server
) -> None:
    owner = await office.new_page()
    await owner_login(owner)
    await owner.get_by_test_id("admin-nav-program").click()  # "Oppsett": stamp cards, tiers, the club
    await owner.get_by_test_id("program-nav-club").click()
    await owner.wait_for_url(re.compile(r"/admin/club$"))
    await expect(owner.get_by_test_id("consent-text")).to_have_count(5)

    fields = owner.get_by_test_id("club-fields")
    await fields.get_by_test_id("fields-add").click()
    row = fields.get_by_test_id("fields-row").last
    await expect(row.get_by_test_id("field-label-nb")).to_be_focused()
    await fields.get_by_test_id("fields-save").click()  # no labels yet: said next to the row
    await expect(row.get_by_test_id("fields-row-error")).to_have_text("Skriv navnet på både norsk og engelsk.")
    await row.get_by_test_id("field-label-nb").fill("Skostørrelse")
    await row.get_by_test_id("field-label-en").fill("Shoe size")
    await row.get_by_test_id("field-kind").select_option("number")
    await expect(row.get_by_test_id("field-max-length")).to_be_hidden()
    await fields.get_by_test_id("fields-save").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Profilfeltene er lagret.")
    await expect(owner.get_by_test_id("fields-row").last.get_by_test_id("field-label-nb")).to_have_value("Skostørrelse")

    interests = owner.get_by_test_id("club-interests")
    await interests.get_by_test_id("interests-add").click()
    new_interest = interests.get_by_test_id("interests-row").last
    await new_interest.get_by_test_id("interest-label-nb").fill("Sko")
    await new_interest.get_by_test_id("interest-label-en").fill("Shoes")
    await interests.get_by_test_id("interests-save").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Interessene er lagret.")
    await screenshot(owner, "club-phone")

    member = await phone.new_page()
    await join(member, server)
    await member.goto("/profile")
    await member.get_by_label("Skostørrelse").fill("stor")
    await member.get_by_test_id("profile-save").click()
    await expect(member.get_by_text("Skriv et tall, for eksempel 42 eller 42,5.")).to_be_visible()
    await member.get_by_label("Skostørrelse").fill("42,5")
    await member.get_by_label("Sko", exact=True).check()
    await member.get_by_test_id("profile-save").click()
    await expect(member.get_by_test_id("flash")).to_be_visible()
    me = await (await member.request.get("/api/me")).json()
    assert list(me["profile"]["extra"].values()) == [42.5]
    assert any(code.startswith("sko") for code in me["profile"]["interests"])
    await member.goto("/profile")
    await expect(member.get_by_label("Skostørrelse")).to_have_value("42,5")
    await member.locator("form").first.screenshot(path=str(SCREENSHOTS / "club-profile-form.png"))


async def test_new_terms_to_accept_again_are_asked_for_on_the_members_home(
    office: BrowserContext, phone: BrowserContext, server: Server, browser: Browser
) -> None:
    member = await phone.new_page()
    await join(member, server)

    owner = await office.new_page()
    await owner_login(owner)
    await owner.goto("/admin/club#club-consents")
    terms = owner.locator('[data-testid="consent-text"][data-purpose="terms"]')
    version = int(await terms.get_attribute("data-version") or "0")
    await terms.get_by_test_id("consent-new-version").click()
    await terms.get_by_test_id("consent-body-nb").fill("Nye vilkår: vi lagrer kjøpene dine i tre år.")
    await terms.get_by_test_id("consent-body-en").fill("New terms: we keep your purchases for three years.")
    await terms.get_by_test_id("consent-reaccept").check()
    await terms.screenshot(path=str(SCREENSHOTS / "club-consent-form.png"))
    await terms.get_by_test_id("consent-publish").click()
    await expect(owner.get_by_test_id("flash")).to_have_text(
        "Den nye versjonen er publisert. Medlemmene blir bedt om å godta den."
    )
    await expect(owner.locator('[data-testid="consent-text"][data-purpose="terms"]')).to_have_attribute(
        "data-version", str(version + 1)
    )

    await member.goto("/")
    prompt = member.locator('[data-testid="consent-renewal"][data-purpose="terms"]')
    await expect(prompt).to_contain_text("Vi har oppdatert vilkårene")
    await expect(prompt.get_by_test_id("consent-renewal-text")).to_have_text(
        "Nye vilkår: vi lagrer kjøpene dine i tre år."
    )
    await expect(member.get_by_test_id("stamp-count")).to_be_visible()  # never blocks the card
    await expect(member.get_by_test_id("show-card")).to_be_visible()
    await screenshot(member, "reaccept-phone")
    await prompt.get_by_test_id("consent-renewal-accept").click()
    await expect(member.get_by_test_id("consent-renewal")).to_have_count(0)
    await member.reload()
    await expect(member.get_by_test_id("stamp-count")).to_be_visible()
    await expect(member.get_by_test_id("consent-renewal")).to_have_count(0)

    newcomer = await new_phone_context(browser, server)  # someone joining now reads the new terms
    try:
        join_page = await newcomer.new_page()
        await join_page.goto("/join")
        await join_page.get_by_text("Les vilkårene").click()
        await expect(join_page.get_by_test_id("terms-text")).to_have_text(
            "Nye vilkår: vi lagrer kjøpene dine i tre år."
        )
        await screenshot(join_page, "join-terms-phone")
    finally:
        await newcomer.close()
