"""A referral from the link to the reward, in real browsers: the referrer shares their link from Min
side, a friend's new phone opens it and joins, a till stamps the friend, and both see the status."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, expect

from tests.browser.conftest import (
    Server,
    fresh_mobile,
    join,
    new_phone_context,
    outbox_code,
    owner_login,
    screenshot,
    staff_login,
)


async def test_a_referral_from_the_link_to_both_rewards(browser: Browser, till: BrowserContext, server: Server) -> None:
    # The owner names both rewards in the club's bonuses: the referrer's and the friend's welcome gift.
    owner_context = await new_phone_context(browser, server)
    owner = await owner_context.new_page()
    await owner_login(owner)
    await owner.goto("/admin/club")
    await owner.get_by_test_id("bonus-referral_reward_text").fill("Gratis kanelbolle")
    await expect(owner.get_by_test_id("bonus-referral_friend_reward")).to_be_checked()
    await owner.get_by_test_id("bonus-referral_friend_reward_text").fill("Gratis kakestykke")
    await expect(owner.get_by_test_id("bonus-referral_monthly_cap")).to_have_value(re.compile(r"^\d+$"))
    await owner.get_by_test_id("bonus-save").click()
    await expect(owner.get_by_test_id("flash")).to_be_visible()
    await expect(owner.get_by_test_id("bonus-referral_reward_text")).to_have_value("Gratis kanelbolle")
    await owner_context.close()

    # The referrer's phone may write to the clipboard (Chromium on Linux has no share sheet).
    referrer_context = await new_phone_context(browser, server, permissions=["clipboard-read", "clipboard-write"])
    page = await referrer_context.new_page()
    await join(page, server)
    await page.get_by_test_id("nav-me").click()
    await page.wait_for_url(re.compile(r"/me$"))
    card = page.get_by_test_id("referral")
    await expect(card.get_by_role("heading", name="Verv en venn")).to_be_visible()
    await expect(card).to_contain_text("får du Gratis kanelbolle")
    await expect(page.get_by_test_id("referral-none")).to_have_text("Ingen har blitt med via lenken din ennå.")
    qr = page.get_by_test_id("referral-qr")
    await expect(qr).to_be_visible()
    # The server's SVG drew: decode() waits for the image to load (a busy machine may not have yet).
    assert await qr.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)")
    link = await page.get_by_test_id("referral-link").input_value()
    assert re.fullmatch(rf"{re.escape(server.url)}/r/[0-9A-Z]{{8}}", link), link

    assert not await page.evaluate("'share' in navigator")  # so the button copies the link
    await expect(page.get_by_test_id("referral-share")).to_have_text("Kopier lenken")
    await page.get_by_test_id("referral-share").click()
    await expect(page.get_by_test_id("referral-shared")).to_contain_text("Lenken er kopiert")
    assert await page.evaluate("navigator.clipboard.readText()") == link

    # A friend's new phone opens the link and joins.
    friend_context = await new_phone_context(browser, server)
    friend = await friend_context.new_page()
    await friend.goto(urlsplit(link).path)
    await friend.wait_for_url(re.compile(r"/join\?ref=[0-9A-Z]{8}$"))
    await expect(friend.get_by_test_id("join-referred")).to_have_text("En venn har invitert deg!")
    mobile = fresh_mobile()
    await friend.get_by_test_id("identifier-input").fill(mobile)
    await friend.get_by_test_id("terms-checkbox").check()
    await friend.get_by_test_id("identify-submit").click()
    await friend.get_by_test_id("code-input").fill(await outbox_code(server, mobile))
    await friend.get_by_test_id("code-submit").click()
    await friend.wait_for_url(re.compile(r"/$"))
    await expect(friend.get_by_test_id("flash")).to_contain_text("Velkommen i klubben")
    number = (await (await friend.request.get("/api/me")).json())["member"]["member_number"]

    await page.reload()
    await expect(page.get_by_test_id("referral-status")).to_have_text("Venter på første kjøp")
    await friend.goto("/me")
    await expect(friend.get_by_test_id("referral-mine-status")).to_have_text("Venter på første kjøp")

    # The friend's first purchase: a till stamps them.
    cashier = await till.new_page()
    await staff_login(cashier)
    await cashier.get_by_test_id("staff-manual-input").fill(number)
    await cashier.get_by_test_id("staff-manual-submit").click()
    await cashier.get_by_test_id("staff-add-1").click()
    await expect(cashier.get_by_test_id("scan-message")).to_contain_text("Stempel lagt til")

    await page.reload()
    await expect(page.get_by_test_id("referral-status")).to_have_text("Belønnet")
    await expect(page.get_by_test_id("referral-cap")).to_contain_text("Denne måneden: 1.")
    await expect(page.get_by_test_id("me-rewards-active").get_by_test_id("reward-item")).to_have_text(
        [re.compile("Gratis kanelbolle")]
    )
    await screenshot(page, "referral-phone")
    await friend.reload()
    await expect(friend.get_by_test_id("referral-mine-status")).to_have_text("Belønnet")
    await expect(friend.get_by_test_id("me-rewards-active").get_by_test_id("reward-item")).to_have_text(
        [re.compile("Gratis kakestykke")]
    )
    await screenshot(friend, "referral-friend-phone")
    await friend_context.close()
    await referrer_context.close()
