"""Campaigns on every channel, in the owner's phone: the channel picker, the SMS preview (its exact
text, segments and cost, and what an emoji does to them), the e-mail preview in its sandboxed frame,
the reach per channel, a "best channel" campaign sent to an e-mail member and a phone member with its
figures per channel, and the join form's and Min side's separate choices for SMS and e-mail.

The app runs in development, so e-mails and SMS land in the dev outbox (the SMTP server and SMS
gateway paths are tested in tests/push/test_channels.py)."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, Request, Route, expect

from tests.api.helpers import new_device_key
from tests.browser.conftest import Server, fresh_mobile, outbox_code, owner_login, screenshot
from tests.browser.test_admin import RELEASE_WAIT_MS, api_from_page, open_new_campaign, segment, settled_reach

pytestmark = pytest.mark.browser

TITLE, BODY = "Kanelbolle-dag", "Halv pris på kanelboller hele lørdagen. Vis kortet i kassen."
NBSP = "\u00a0"


def plain(text: str) -> str:
    """Intl's money and number formats use no-break spaces; the assertions use plain ones."""
    return text.replace(NBSP, " ").replace("\u202f", " ")


async def settled_previews(page: Page) -> None:
    """Until the SMS/e-mail previews hold the answer for the texts as they are now."""
    await expect(page.get_by_test_id("campaign-previews")).not_to_have_attribute("aria-busy", "true")


async def message_preview(page: Page, title: str, body: str, lang: str = "nb") -> Any:
    return await api_from_page(
        page, "POST", "/api/admin/campaigns/message-preview", {"title": title, "body": body, "lang": lang}
    )


async def compose(page: Page, title: str = TITLE, body: str = BODY) -> None:
    await owner_login(page)
    await open_new_campaign(page)
    await page.get_by_test_id("campaign-title-input").fill(title)
    await page.get_by_test_id("campaign-body-input").fill(body)


async def test_the_sms_preview_shows_the_exact_text_its_segments_and_cost_and_an_emoji_makes_it_ucs2(
    phone: BrowserContext,
) -> None:
    page = await phone.new_page()
    await compose(page)
    await expect(page.get_by_test_id("channel-best")).to_be_checked()  # the default where every channel works
    await expect(page.get_by_test_id("channel-best-hint")).to_have_text(
        "Push til dem som har slått på varsler, ellers e-post, ellers SMS."
    )
    await page.get_by_test_id("channel-sms").check()
    await expect(page.get_by_test_id("preview-view-sms")).to_be_hidden()  # one channel: no switch
    await expect(page.get_by_test_id("target-offer")).to_be_hidden()  # an SMS has no link into the app
    sms = page.get_by_test_id("sms-preview")
    await expect(sms).to_be_visible()
    await expect(page.get_by_test_id("notification-preview")).to_be_hidden()
    await settled_previews(page)

    expected = (await message_preview(page, TITLE, BODY))["sms"]
    assert expected["encoding"] == "GSM-7" and "/u/" in expected["text"]  # the opt-out link is part of it
    await expect(page.get_by_test_id("sms-text")).to_have_text(expected["text"])
    meta = page.get_by_test_id("sms-meta")
    await expect(meta).to_have_text(f"{expected['units']} tegn · {expected['segments']} SMS (GSM-7)")
    await expect(page.get_by_test_id("sms-ucs2")).to_be_hidden()
    cost = f"{expected['cost_nok']:.2f}".replace(".", ",")
    assert plain(await page.get_by_test_id("sms-cost").inner_text()) == f"Koster ca. {cost} kr per medlem som får den."

    # The reach box counts the SMS of everyone it reaches, at the same price.
    await settled_reach(page)
    reach = await api_from_page(
        page,
        "POST",
        "/api/admin/campaigns/preview",
        {
            "segment": segment(),
            "send_at": None,
            "early_access": None,
            "channel": "sms",
            "message": {"title": TITLE, "body": BODY, "title_en": None, "body_en": None},
        },
    )
    if reach["sms"]:
        total = f"{reach['sms']['cost_nok']:.2f}".replace(".", ",")
        line = plain(await page.get_by_test_id("reach-sms").inner_text())
        assert line == f"≈ {reach['sms']['segments']} SMS-segmenter · ca. {total} kr", line
    await screenshot(page, "channels-composer-sms")

    # An emoji: UCS-2, 70 characters an SMS, so more SMS; the owner is told why.
    await page.get_by_test_id("campaign-body-input").fill(BODY + " ☕")
    await expect(meta).to_have_attribute("data-encoding", "UCS-2")
    await settled_previews(page)
    emoji = (await message_preview(page, TITLE, BODY + " ☕"))["sms"]
    assert emoji["encoding"] == "UCS-2" and emoji["segments"] > expected["segments"]
    await expect(meta).to_have_text(f"{emoji['units']} tegn · {emoji['segments']} SMS (UCS-2)")
    await expect(meta).to_have_attribute("data-segments", str(emoji["segments"]))
    await expect(page.get_by_test_id("sms-ucs2")).to_be_visible()
    await expect(page.get_by_test_id("sms-ucs2")).to_contain_text("70 tegn")
    await screenshot(page, "channels-composer-sms-emoji")


async def test_previews_follow_typing_without_a_request_per_keystroke(phone: BrowserContext) -> None:
    page = await phone.new_page()
    await compose(page, title="Kaffe", body="")
    await page.get_by_test_id("channel-sms").check()
    asked: list[Request] = []
    page.on("request", lambda r: asked.append(r) if r.url.endswith("/message-preview") else None)
    typed = "Ny espresso fra Etiopia i alle butikkene"
    await page.get_by_test_id("campaign-body-input").press_sequentially(typed)
    await expect(page.get_by_test_id("sms-text")).to_contain_text(typed)
    await settled_previews(page)
    # The preview waits for a pause in the typing: far fewer questions than keystrokes.
    assert 1 <= len(asked) < len(typed) // 3, len(asked)
    # The answer on screen is the one for the last text, whatever order the answers came in.
    final = (await message_preview(page, "Kaffe", typed))["sms"]
    await expect(page.get_by_test_id("sms-text")).to_have_text(final["text"])


async def test_the_email_preview_shows_the_mail_in_a_sandboxed_frame_in_both_languages(
    phone: BrowserContext,
) -> None:
    page = await phone.new_page()
    await compose(page)
    await page.get_by_test_id("channel-email").check()
    await expect(page.get_by_test_id("email-preview")).to_be_visible()
    await settled_previews(page)
    mail = (await message_preview(page, TITLE, BODY))["email"]
    await expect(page.get_by_test_id("email-subject")).to_have_text(mail["subject"])
    frame_el = page.get_by_test_id("email-frame")
    assert await frame_el.get_attribute("sandbox") == "allow-same-origin"  # no scripts, forms or pop-ups
    frame = page.frame_locator('[data-testid="email-frame"]')
    await expect(frame.locator("h1")).to_have_text(TITLE)
    await expect(frame.locator("body")).to_contain_text("Halv pris på kanelboller")
    # The mail's own styles are there (the page's policy alone would leave it unstyled), and it fits the phone.
    await expect(frame.locator("h1")).to_have_css("font-size", "28px")
    await expect(frame.locator("body")).to_have_css("background-color", "rgb(251, 246, 239)")
    box = await frame_el.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 300
    assert await frame.locator("html").evaluate("e => e.scrollWidth <= e.clientWidth")
    await screenshot(page, "channels-composer-email")

    # English texts: a language switch, and the English e-mail.
    await page.get_by_test_id("campaign-en-toggle").click()
    await page.get_by_test_id("campaign-title-en-input").fill("Cinnamon bun day")
    await page.get_by_test_id("campaign-body-en-input").fill("Half price on cinnamon buns all Saturday.")
    await page.get_by_test_id("preview-lang-en").check()
    await expect(frame.locator("h1")).to_have_text("Cinnamon bun day")
    await expect(frame.locator("html")).to_have_attribute("lang", "en")
    english = await message_preview(page, "Cinnamon bun day", "Half price on cinnamon buns all Saturday.", "en")
    await expect(page.get_by_test_id("email-subject")).to_have_text(english["email"]["subject"])
    await page.get_by_test_id("preview-lang-nb").check()
    await expect(frame.locator("h1")).to_have_text(TITLE)

    # "Best" can use every channel: the switch shows each; push shows both languages at once, as before.
    await page.get_by_test_id("channel-best").check()
    await expect(page.get_by_test_id("preview-view-email")).to_be_checked()  # the owner keeps what they looked at
    await page.get_by_test_id("preview-view-push").check()
    await expect(page.get_by_test_id("preview-title-en")).to_have_text("Cinnamon bun day")
    await expect(page.get_by_test_id("preview-lang-en")).to_be_hidden()
    await page.get_by_test_id("preview-view-sms").check()
    await page.get_by_test_id("preview-lang-en").check()
    await expect(page.get_by_test_id("sms-text")).to_contain_text("Cinnamon bun day")


async def test_a_channel_this_installation_cannot_use_is_disabled_with_the_reason(phone: BrowserContext) -> None:
    page = await phone.new_page()

    async def without_sms(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        body["channels"]["available"] = [c for c in body["channels"]["available"] if c != "sms"]
        await route.fulfill(response=response, body=json.dumps(body))

    await page.route("**/api/admin/campaigns/options", without_sms)
    await owner_login(page)
    await open_new_campaign(page)
    await expect(page.get_by_test_id("channel-sms")).to_be_disabled()
    await expect(page.get_by_test_id("channel-sms-hint")).to_have_text(
        "Ikke tilgjengelig: SMS er ikke satt opp ennå (det trengs en SMS-leverandør)."
    )
    await expect(page.get_by_test_id("channel-best")).to_be_checked()
    await expect(page.get_by_test_id("channel-email")).to_be_enabled()


# --------------------------------------------------------------------------- a "best" campaign


async def api_member(server: Server, identifier: str, **marketing: bool) -> None:
    """A member who joins through the API (as a phone would) with a yes to marketing on the channels given."""
    _key, public_key = new_device_key()
    async with httpx.AsyncClient(base_url=server.url) as client:
        await client.get("/api/config")
        headers = {"X-CSRFToken": client.cookies.get("csrftoken") or ""}
        started = await client.post(
            "/api/auth/otp/start",
            headers=headers,
            json={
                "identifier": identifier,
                "purpose": "join",
                "terms_accepted": True,
                "lang": "nb",
                "marketing": {"email": False, "sms": False, "push": False, **marketing},
            },
        )
        assert started.status_code == 202, started.text
        code = await outbox_code(server, identifier)
        verified = await client.post(
            "/api/auth/otp/verify",
            headers=headers,
            json={
                "identifier": identifier,
                "code": code,
                "device_public_key": public_key,
            },
        )
        assert verified.status_code == 200, verified.text


async def outbox_to(server: Server, to: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/api/dev/outbox", params={"to": to})
        response.raise_for_status()
        return [m for m in response.json() if not m["code"]]


async def test_a_best_channel_campaign_reaches_an_email_member_and_a_phone_member_with_figures_per_channel(
    phone: BrowserContext, server: Server
) -> None:
    email = f"kunde-{secrets.token_hex(4)}@example.no"
    mobile = fresh_mobile()
    await api_member(server, email, email=True)
    await api_member(server, mobile, sms=True)
    title = f"Julegløgg {secrets.token_hex(2)}"

    page = await phone.new_page()
    await compose(page, title=title, body="Gratis gløgg til alle medlemmer i dag.")
    await expect(page.get_by_test_id("channel-best")).to_be_checked()
    await settled_reach(page)
    expected = await api_from_page(
        page,
        "POST",
        "/api/admin/campaigns/preview",
        {
            "segment": segment(),
            "send_at": None,
            "early_access": None,
            "channel": "best",
            "message": {
                "title": title,
                "body": "Gratis gløgg til alle medlemmer i dag.",
                "title_en": None,
                "body_en": None,
            },
        },
    )
    split = expected["by_channel"]
    assert split["email"] >= 1 and split["sms"] >= 1  # our two members, at least
    for channel in ("push", "email", "sms"):
        await expect(page.get_by_test_id(f"reach-channel-{channel}")).to_have_attribute(
            "data-value", str(split[channel])
        )
    await expect(page.get_by_test_id("reach-sms")).to_have_attribute("data-segments", str(expected["sms"]["segments"]))
    for reason, count in expected["excluded"].items():
        await expect(page.locator(f'[data-testid="reach-excluded"] li[data-reason="{reason}"]')).to_have_count(
            1 if count else 0
        )
    await screenshot(page, "channels-composer-best")

    await page.get_by_test_id("campaign-submit").click()
    await expect(page.get_by_test_id("confirm-channel")).to_contain_text("Kanal: Beste kanal")
    await expect(page.get_by_test_id("confirm-channel")).to_contain_text(f"{split['sms']} på SMS")
    await expect(page.get_by_test_id("confirm-sms")).to_contain_text("SMS-ene koster ca.")
    await screenshot(page, "channels-confirm-best")
    await page.get_by_test_id("campaign-confirm-yes").click()
    await page.wait_for_url(re.compile(r"/admin/campaigns/\d+$"))
    campaign_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.get_by_test_id("campaign-channel")).to_have_text("Beste kanal")
    status = page.get_by_test_id("campaign-status")
    if expected["moved_by_quiet_hours"]:  # 21–09 in Oslo: nothing goes out until the morning
        await expect(status).to_have_attribute("data-status", re.compile(r"^(scheduled|sending)$"))
        return
    # Released: the shared server's other members (pushes to their devices may be retrying) can keep the
    # campaign "sending" for a while; the e-mail and SMS figures are what this test follows.
    await expect(status).to_have_attribute("data-status", re.compile(r"^(sending|sent)$"), timeout=RELEASE_WAIT_MS)
    await page_follows_the_figures(page, campaign_id)

    # The e-mail member got an e-mail and the phone member an SMS, each with its opt-out link.
    [mail] = [m for m in await outbox_to(server, email) if m["subject"] == title]
    assert mail["channel"] == "email" and "/u/" in mail["body"]
    [sms] = [m for m in await outbox_to(server, mobile) if title in m["body"]]
    assert sms["channel"] == "sms" and "/u/" in sms["body"]

    # The list says the channel and a line per channel.
    await page.get_by_test_id("admin-nav-campaigns").click()
    row = page.locator(f'[data-testid="campaign-item"][data-campaign-id="{campaign_id}"]')
    await expect(row.get_by_test_id("campaign-item-channel")).to_have_text("Beste kanal")
    await expect(row.get_by_test_id("campaign-item-email")).to_contain_text("E-post: sendt")
    await expect(row.get_by_test_id("campaign-item-sms")).to_contain_text("SMS: sendt")
    await screenshot(page, "channels-campaign-list")


async def page_follows_the_figures(page: Page, campaign_id: int) -> None:
    """Every outbox row sent (the worker's rounds), then the page shows the server's figures per channel."""
    await page.wait_for_function(
        """async (id) => {
            const { request } = await import('/assets/api.js');
            const c = await request(`/api/admin/campaigns/${id}`);
            const { email, sms } = c.stats;
            return email.pending === 0 && sms.pending === 0 && email.sent > 0 && sms.sent > 0;
        }""",
        arg=campaign_id,
        polling=500,
        timeout=RELEASE_WAIT_MS,
    )
    await page.reload()
    stats = (await api_from_page(page, "GET", f"/api/admin/campaigns/{campaign_id}"))["stats"]
    await expect(page.get_by_test_id("stat-recipients")).to_have_attribute("data-value", str(stats["recipients"]))
    for channel, keys in {
        "email": ("sent", "bounced", "failed", "opted_out"),
        "sms": ("sent", "delivered", "failed", "opted_out"),
    }.items():
        block = page.get_by_test_id(f"stats-{channel}")
        await expect(block).to_be_visible()
        await expect(block.locator("h3")).to_contain_text(f"til {stats[channel]['addressed']} medlem")
        for key in keys:
            testid = f"stat-{channel}-{key.replace('_', '-')}"
            await expect(page.get_by_test_id(testid)).to_have_attribute("data-value", str(stats[channel][key]))
    await expect(page.get_by_test_id("stats-push")).to_have_count(1 if stats["devices"] else 0)
    await screenshot(page, "channels-campaign-page")


# --------------------------------------------------------------------------- consent per channel


async def test_join_and_min_side_ask_for_sms_and_email_offers_separately(phone: BrowserContext, server: Server) -> None:
    page = await phone.new_page()
    await page.goto("/join")
    boxes = {c: page.get_by_test_id(f"marketing-{c}") for c in ("email", "sms", "push")}
    for box in boxes.values():
        await expect(box).not_to_be_checked()  # nothing ticked for the member
    await expect(page.get_by_label("Tilbud på e-post")).to_have_attribute("data-testid", "marketing-email")
    await expect(page.get_by_label("Tilbud på SMS")).to_have_attribute("data-testid", "marketing-sms")
    await expect(page.get_by_label("Tilbud som varsler")).to_have_attribute("data-testid", "marketing-push")
    await screenshot(page, "channels-join-consents")

    mobile = fresh_mobile()
    await page.get_by_test_id("identifier-input").fill(mobile)
    await page.get_by_test_id("terms-checkbox").check()
    await boxes["sms"].check()  # SMS yes, e-mail no
    await page.get_by_test_id("identify-submit").click()
    await page.get_by_test_id("code-input").fill(await outbox_code(server, mobile))
    await page.get_by_test_id("code-submit").click()
    await page.wait_for_url(re.compile(r"/$"))

    await page.get_by_test_id("nav-me").click()
    await page.wait_for_url(re.compile(r"/me$"))
    sms, email = page.get_by_test_id("me-consent-marketing_sms"), page.get_by_test_id("me-consent-marketing_email")
    await expect(sms).to_be_checked()
    await expect(email).not_to_be_checked()
    await expect(page.get_by_test_id("me-consent-marketing_push")).not_to_be_checked()
    await expect(page.get_by_label("Tilbud på SMS")).to_have_attribute("data-testid", "me-consent-marketing_sms")
    await expect(page.get_by_label("Tilbud på e-post")).to_have_attribute("data-testid", "me-consent-marketing_email")

    async with page.expect_response(lambda r: r.url.endswith("/api/me/consents/marketing_sms")):
        await sms.click()  # SMS off leaves e-mail as it was
    await expect(sms).not_to_be_checked()
    await expect(email).not_to_be_checked()
    # The switch flips at once; the server's answer is what the read below must wait for.
    async with page.expect_response(lambda r: r.url.endswith("/api/me/consents/marketing_email")) as saved:
        await email.click()
    assert (await saved.value).ok
    await expect(email).to_be_checked()
    await expect(sms).not_to_be_checked()
    consents = await (await page.request.get("/api/me/consents")).json()
    states = {p["purpose"]: p["state"] for p in consents["purposes"]}
    assert states["marketing_sms"] == "withdrawn" and states["marketing_email"] == "given"
    await screenshot(page, "channels-min-side-consents")
