"""The owner's back office: signing in, the landing page, composing, sending, scheduling and
cancelling a campaign, and who is let in."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import (
    SCREENSHOTS,
    Server,
    join,
    new_phone_context,
    owner_login,
    staff_login,
    wait_for_service_worker,
)
from tests.browser.test_push import PushDelivery as PushHarness
from tests.push.fake_push_service import FakePushService, FakeSubscription

pytestmark = pytest.mark.browser

OSLO = ZoneInfo("Europe/Oslo")
RELEASE_WAIT_MS = 30_000  # "send now" goes out on the dispatcher's next round
RECEIPT_WAIT_S = 30  # the worker's "received" and the app's "opened" reports are sent in the background


async def full_screenshot(page: Page, name: str) -> None:
    """The whole page from the top (the sticky header stays where it belongs)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def api_from_page(page: Page, method: str, path: str, body: object = None) -> Any:
    """The app's own api.js (cookies, CSRF header, problem details), called inside the page."""
    return await page.evaluate(
        """async ([method, path, body]) => {
            const { request } = await import('/assets/api.js');
            return request(path, { method, body: body === null ? undefined : body });
        }""",
        [method, path, body],
    )


def segment(**filters: object) -> dict[str, object]:
    empty = dict.fromkeys(
        (
            "tiers",
            "last_visit_before",
            "last_visit_after",
            "birthday_month",
            "interests_any",
            "favourite_store_id",
            "has_active_reward",
        )
    )
    return {**empty, **filters}


async def settled_reach(page: Page) -> int:
    """The reach number once the box has its answer for the form as it is now."""
    box = page.get_by_test_id("campaign-reach")
    await expect(page.get_by_test_id("reach-count")).to_be_visible()
    await expect(box).not_to_have_attribute("aria-busy", "true")
    value = await box.get_attribute("data-reach")
    assert value is not None
    return int(value)


async def open_new_campaign(page: Page) -> None:
    await page.get_by_test_id("admin-nav-campaigns").click()
    await page.wait_for_url(re.compile(r"/admin/campaigns$"))
    await page.get_by_test_id("campaigns-new").click()
    await page.wait_for_url(re.compile(r"/admin/campaigns/new$"))
    await expect(page.get_by_test_id("campaign-title-input")).to_be_visible()


async def test_owner_sends_a_campaign_that_reaches_a_member(
    browser: Browser, phone: BrowserContext, server: Server
) -> None:
    # A member who said yes to offers, whose phone's push subscription lives at a local push service.
    member = await phone.new_page()
    await join(member, server, offers=True)
    await wait_for_service_worker(member)
    await phone.grant_permissions(["notifications"], origin=server.url)
    async with FakePushService() as push_service:
        key = await api_from_page(member, "GET", "/api/push/key")
        subscription = push_service.new_subscription(application_server_key=key["application_server_key"])
        await api_from_page(
            member, "POST", "/api/me/push/subscriptions", {**subscription.info, "key_id": key["key_id"]}
        )
        owner = await new_phone_context(browser, server)
        try:
            await send_and_follow(owner, phone, member, push_service, subscription, server)
        finally:
            await owner.close()


async def send_and_follow(
    owner: BrowserContext,
    phone: BrowserContext,
    member: Page,
    push_service: FakePushService,
    subscription: FakeSubscription,
    server: Server,
) -> None:
    page = await owner.new_page()
    await owner_login(page)
    await expect(page.get_by_test_id("admin-greeting")).to_have_text("Hei, Ingrid Eier!")
    overview = await api_from_page(page, "GET", "/api/admin/overview")
    await expect(page.get_by_test_id("kpi-members")).to_contain_text(str(overview["members"]["total"]))
    await expect(page.get_by_test_id("kpi-reachable")).to_contain_text(str(overview["members"]["offers_reachable"]))
    assert overview["members"]["offers_reachable"] >= 1  # our member
    await expect(page.get_by_test_id("admin-last-campaign")).to_be_visible()
    await full_screenshot(page, "admin-overview")

    await open_new_campaign(page)
    title, body = "Gløgg og pepperkaker", "Vis kortet i kassen og få en pepperkake til gløggen."
    await page.get_by_test_id("campaign-title-input").fill(title)
    await page.get_by_test_id("campaign-body-input").fill(body)
    await expect(page.get_by_test_id("preview-title")).to_have_text(title)
    await expect(page.get_by_test_id("preview-body")).to_have_text(body)
    await expect(page.get_by_test_id("title-count")).to_have_text("20/60")
    # "Beste kanal" is the default; this campaign goes by push only (the e-mail and SMS ones: test_channels.py).
    await expect(page.get_by_test_id("channel-best")).to_be_checked()
    await page.get_by_test_id("channel-push").check()
    await page.get_by_test_id("segment-tier-bronse").check()

    # The box shows what the preview endpoint answers for the same question.
    reach = await settled_reach(page)
    expected = await api_from_page(
        page,
        "POST",
        "/api/admin/campaigns/preview",
        {"segment": segment(tiers=["bronse"]), "send_at": None, "early_access": None, "channel": "push"},
    )
    assert reach == expected["reach"] >= 1
    await expect(page.get_by_test_id("reach-summary")).to_have_text(
        f"Når {expected['reach']} av {expected['in_segment']} medlemmer i utvalget"
    )
    for reason, count in expected["excluded"].items():
        item = page.locator(f'[data-testid="reach-excluded"] li[data-reason="{reason}"]')
        await expect(item).to_have_count(1 if count else 0)
        if count:
            await expect(item).to_contain_text(str(count))
    quiet = bool(expected["moved_by_quiet_hours"])  # 21–09 in Oslo: "send now" waits until 09:00
    await expect(page.get_by_test_id("reach-quiet")).to_have_count(1 if quiet else 0)
    await full_screenshot(page, "admin-campaign-new")

    # Confirm, and lose the first answer on the way back: the retry reuses the Idempotency-Key.
    posts: list[dict[str, str]] = []

    async def lose_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        posts.append(route.request.headers)
        response = await route.fetch()  # the server creates the campaign...
        if len(posts) == 1:
            await route.abort("connectionreset")  # ...but the phone never hears back
        else:
            await route.fulfill(response=response)

    await page.route("**/api/admin/campaigns", lose_first_answer)
    await page.get_by_test_id("campaign-submit").click()
    question = page.get_by_test_id("campaign-confirm-text")
    await expect(question).to_have_text(re.compile(rf"^Sende til {reach} medlem(mer)?( nå)?\?$"))
    await page.get_by_test_id("campaign-confirm-yes").click()
    await expect(page.get_by_test_id("campaign-confirm-error")).to_have_text(
        "Ingen nettforbindelse. Sjekk nettet og prøv igjen."
    )
    await page.get_by_test_id("campaign-confirm-yes").click()
    await page.wait_for_url(re.compile(r"/admin/campaigns/\d+$"))
    assert len(posts) == 2 and posts[0]["idempotency-key"] == posts[1]["idempotency-key"]
    campaign_id = int(page.url.rsplit("/", 1)[1])
    listed = (await api_from_page(page, "GET", "/api/admin/campaigns"))["campaigns"]
    assert [c["id"] for c in listed if c["title"] == title] == [campaign_id]  # one campaign, not two

    await expect(page.get_by_test_id("flash")).to_have_text("Kampanjen er på vei ut.")
    await expect(page.get_by_test_id("campaign-title")).to_have_text(title)
    await expect(page.get_by_test_id("campaign-segment")).to_have_text("Nivå: Bronse")
    # Released on the dispatcher's next round; the page follows by itself (it polls while sending).
    status = page.get_by_test_id("campaign-status")
    await expect(status).to_have_attribute("data-status", re.compile(r"^(sending|sent)$"), timeout=RELEASE_WAIT_MS)
    campaign = await api_from_page(page, "GET", f"/api/admin/campaigns/{campaign_id}")
    assert campaign["stats"]["recipients"] >= reach  # with consent; phones or not
    await expect(page.get_by_test_id("stat-recipients")).to_have_attribute(
        "data-value", str(campaign["stats"]["recipients"])
    )
    if quiet:
        # Held until 09:00: it stays "sending", and the owner can still stop it for those who have not had it.
        await expect(status).to_have_attribute("data-status", "sending")
        await expect(page.get_by_test_id("campaign-cancel")).to_be_visible()
        await full_screenshot(page, "admin-campaign-sent")
        return  # the rest happens at 09:00

    # The push service got it for our member's phone, with a receipt token in the address it opens.
    [message] = await push_service.wait_for(1, timeout=RELEASE_WAIT_MS / 1000, subscription=subscription)
    note = message.json["notification"]
    assert (note["title"], note["body"]) == (title, body)
    assert re.fullmatch(rf"{server.url}/offer/{campaign_id}\?n=[^&]+", note["navigate"]), note["navigate"]
    # "Sent" once the push service has taken every message, which may be a few polls after "sending";
    # only then is there nothing left to stop.
    await expect(status).to_have_attribute("data-status", "sent", timeout=RELEASE_WAIT_MS)
    await expect(page.get_by_test_id("campaign-cancel")).to_have_count(0)
    await expect(page.get_by_test_id("stat-sent")).to_have_attribute("data-value", str(reach))

    # The phone's service worker shows it and reports it arrived: "Levert".
    harness = await PushHarness.open(phone, member, server)
    [shown] = [n for n in await harness.deliver_shown(member, json.dumps(message.json), count=1) if n["title"] == title]
    assert shown["data"]["navigate"] == note["navigate"]
    await owner_sees(page, campaign_id, "delivered", "stat-delivered", 1)

    # The member taps it: the offer opens, the app reports the open ("Åpnet") and drops the token.
    await member.goto(note["navigate"])
    await expect(member.get_by_test_id("offer-title")).to_have_text(title)
    await expect(member.get_by_test_id("offer-body")).to_have_text(body)
    await expect(member).to_have_url(re.compile(rf"/offer/{campaign_id}$"))
    await owner_sees(page, campaign_id, "clicked", "stat-opened", 1)
    await full_screenshot(page, "admin-campaign-sent")

    # The list has it, newest first.
    await page.get_by_test_id("admin-nav-campaigns").click()
    first = page.get_by_test_id("campaign-item").first
    await expect(first).to_have_attribute("data-campaign-id", str(campaign_id))
    await expect(first).to_contain_text(title)
    await expect(first.get_by_test_id("campaign-status")).to_have_text("Sendt")
    await full_screenshot(page, "admin-campaigns")


async def owner_sees(page: Page, campaign_id: int, stat: str, testid: str, value: int) -> None:
    """Receipts come after "sent", when the page no longer polls: once the server counts the receipt,
    the owner reloads and sees it."""
    deadline = time.monotonic() + RECEIPT_WAIT_S
    while (await api_from_page(page, "GET", f"/api/admin/campaigns/{campaign_id}"))["stats"][stat] < value:
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never counted {value} {stat} for campaign {campaign_id}")
        await asyncio.sleep(0.2)
    await page.reload()
    await expect(page.get_by_test_id(testid)).to_have_attribute("data-value", str(value))


async def test_owner_schedules_for_tomorrow_and_cancels(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await owner_login(page)
    await open_new_campaign(page)
    await page.get_by_test_id("campaign-title-input").fill("Lussekatter på lørdag")
    await page.get_by_test_id("campaign-body-input").fill("Nybakte lussekatter fra kl. 10. Først til mølla!")
    await page.get_by_test_id("target-card").check()

    tomorrow = (datetime.now(OSLO) + timedelta(days=1)).date()
    await page.get_by_test_id("when-later").check()
    await page.get_by_test_id("send-date").fill(tomorrow.isoformat())
    await page.get_by_test_id("send-time").fill("10:00")
    await expect(page.get_by_test_id("reach-when")).to_contain_text("kl. 10:00")
    # Sølv and Gull (ticked by default) get it half an hour early.
    await page.get_by_test_id("early-access").check()
    await expect(page.get_by_test_id("early-tier-solv")).to_be_checked()
    await expect(page.get_by_test_id("early-tier-gull")).to_be_checked()
    await page.get_by_test_id("early-lead").fill("30")
    await page.get_by_test_id("early-unit").select_option("minutes")
    await expect(page.get_by_test_id("reach-early")).to_contain_text("kl. 09:30")
    await settled_reach(page)

    await page.get_by_test_id("campaign-submit").click()
    await expect(page.get_by_test_id("campaign-confirm-text")).to_have_text(
        re.compile(rf"^Planlegge til \w+ {tomorrow.day}\. \w+ kl\. 10:00\?$")
    )
    await page.get_by_test_id("campaign-confirm-yes").click()
    await page.wait_for_url(re.compile(r"/admin/campaigns/\d+$"))
    await expect(page.get_by_test_id("flash")).to_have_text("Kampanjen er planlagt.")
    await expect(page.get_by_test_id("campaign-status")).to_have_attribute("data-status", "scheduled")
    await expect(page.get_by_test_id("campaign-status")).to_have_text("Planlagt")
    await expect(page.get_by_test_id("campaign-send-at")).to_contain_text("kl. 10:00")
    campaign_id = int(page.url.rsplit("/", 1)[1])
    stored = await api_from_page(page, "GET", f"/api/admin/campaigns/{campaign_id}")
    # 10:00 on an Oslo clock tomorrow, whatever the season: the offset was worked out right.
    wanted = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0, tzinfo=OSLO)
    assert datetime.fromisoformat(stored["send_at"].replace("Z", "+00:00")) == wanted
    assert stored["target"] == "card"
    assert sorted(stored["early_access"]["tiers"]) == ["gull", "solv"]
    assert stored["early_access"]["lead_minutes"] == 30
    await expect(page.get_by_test_id("campaign-early")).to_contain_text("kl. 09:30")

    await page.get_by_test_id("campaign-cancel").click()
    await page.get_by_test_id("campaign-cancel-confirm").click()
    await expect(page.get_by_test_id("campaign-status")).to_have_attribute("data-status", "cancelled")
    await expect(page.get_by_test_id("flash")).to_have_text("Kampanjen er avbrutt. Ingen får den.")
    await expect(page.get_by_test_id("campaign-cancel")).to_have_count(0)
    assert (await api_from_page(page, "GET", f"/api/admin/campaigns/{campaign_id}"))["status"] == "cancelled"


async def test_server_errors_show_by_the_field_and_keep_the_text(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await owner_login(page)
    await open_new_campaign(page)
    # The form's own check: nothing typed yet.
    await page.get_by_test_id("campaign-submit").click()
    await expect(page.get_by_test_id("error-title")).to_have_text("Skriv en tittel på høyst 60 tegn.")
    await expect(page.get_by_test_id("campaign-title-input")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("campaign-title-input")).to_be_focused()

    # The server's answer: an English title without its text, let through to the server on purpose.
    await page.get_by_test_id("campaign-title-input").fill("Kanelboller")
    await page.get_by_test_id("campaign-body-input").fill("Ferske kanelboller hele dagen.")

    async def add_english_title(route: Route) -> None:
        body = route.request.post_data or ""
        if route.request.method == "POST":
            body = body.replace('"title_en":null', '"title_en":"Cinnamon buns"')
        await route.continue_(post_data=body if route.request.method == "POST" else None)

    await page.route("**/api/admin/campaigns", add_english_title)
    await page.get_by_test_id("campaign-submit").click()
    await page.get_by_test_id("campaign-confirm-yes").click()
    await expect(page.get_by_test_id("error-body_en")).to_have_text("Den engelske versjonen trenger en tekst.")
    await expect(page.get_by_test_id("campaign-form-error")).to_contain_text("må rettes")
    await expect(page.get_by_test_id("campaign-body-en-input")).to_be_focused()
    await expect(page.get_by_test_id("campaign-title-input")).to_have_value("Kanelboller")
    await expect(page.get_by_test_id("campaign-body-input")).to_have_value("Ferske kanelboller hele dagen.")
    await expect(page).to_have_url(re.compile(r"/admin/campaigns/new$"))


async def test_who_gets_into_the_back_office(browser: Browser, server: Server) -> None:
    nobody, cashier, owner = [await new_phone_context(browser, server) for _ in range(3)]
    try:
        await who_gets_in(nobody, cashier, owner)
    finally:
        for context in (nobody, cashier, owner):
            await context.close()


async def who_gets_in(nobody: BrowserContext, cashier: BrowserContext, owner: BrowserContext) -> None:

    # No session: the staff sign-in.
    page = await nobody.new_page()
    await page.goto("/admin")
    await page.wait_for_url(re.compile(r"/staff/login$"))

    # A store account: a friendly refusal, not an error.
    page = await cashier.new_page()
    await staff_login(page)
    await page.goto("/admin")
    refusal = page.get_by_test_id("admin-refusal")
    await expect(refusal).to_contain_text("Bare for eieren")
    await expect(refusal.get_by_role("link", name="Til skanneren")).to_be_visible()

    # The owner opening the till screen goes to the back office instead.
    page = await owner.new_page()
    await owner_login(page)
    await page.goto("/staff")
    await page.wait_for_url(re.compile(r"/admin$"))
    await page.get_by_test_id("admin-logout").click()
    await page.wait_for_url(re.compile(r"/staff/login$"))


async def test_back_office_in_english_keeps_the_draft(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await owner_login(page)
    await open_new_campaign(page)
    await page.get_by_test_id("campaign-title-input").fill("Vinterkaffe")
    await page.get_by_test_id("campaign-body-input").fill("Ny blanding i dag.")
    await page.get_by_test_id("segment-tier-gull").check()

    await page.get_by_test_id("lang-switch").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("New campaign")
    await expect(page.get_by_label("Title", exact=True)).to_have_value("Vinterkaffe")
    await expect(page.get_by_label("Text", exact=True)).to_have_value("Ny blanding i dag.")
    await expect(page.get_by_test_id("segment-tier-gull")).to_be_checked()
    await expect(page.get_by_test_id("admin-nav-overview")).to_have_text("Overview")
    await expect(page.get_by_test_id("admin-nav-campaigns")).to_have_text("Campaigns")
    await expect(page.get_by_test_id("campaign-submit")).to_have_text("Send the campaign …")
    await expect(page.get_by_test_id("reach-summary")).to_have_text(re.compile(r"^Reaches \d+ of \d+ members? "))
    await page.get_by_test_id("when-later").check()
    await expect(page.get_by_label("Time", exact=True)).to_be_visible()
    await full_screenshot(page, "admin-campaign-new-english")
    await page.get_by_test_id("lang-switch").click()  # back to Norwegian for the next test on this device
