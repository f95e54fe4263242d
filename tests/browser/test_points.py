"""Points in the browser: the owner changes the demo's program and adds rewards under Oppsett, the till gives points
for a purchase amount and redeems the reward from the member's QR, and the member's home screen shows
the balance, the catalogue and the history. Then the owner adds a refund window (the member sees points
waiting) and stops the program (the home screen's points card goes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import BrowserContext, Route, expect

from tests.browser.conftest import SCREENSHOTS, Server, execute, join, owner_login, query, screenshot, staff_login


def in_ten_days(database_url: str) -> object:
    """Ten days from now as the engine stores a timestamptz (Piccolo keeps ISO text in SQLite)."""
    when = datetime.now(UTC) + timedelta(days=10)
    return when if database_url.startswith("postgresql") else when.isoformat()


async def test_owner_sets_up_points_the_till_gives_and_redeems_and_the_member_sees_balance_and_history(
    office: BrowserContext, till: BrowserContext, phone: BrowserContext, server: Server
) -> None:
    owner = await office.new_page()
    await owner_login(owner)
    await owner.goto("/admin/program")
    await owner.get_by_test_id("program-nav-points").click()
    await owner.wait_for_url(re.compile(r"/admin/program/points$"))
    # The demo café runs points already (a point per 10 NOK, a catalogue of three): its form is filled in.
    await expect(owner.get_by_test_id("points-name")).to_have_value("Kaffepoeng")
    await expect(owner.get_by_test_id("points-action-profile_completed")).to_have_value("25")
    await expect(owner.get_by_test_id("points-admin-item")).to_have_count(3)
    await owner.get_by_test_id("points-kroner").fill("10")
    await owner.get_by_test_id("points-refund-days").fill("0")  # points to spend at once
    await owner.get_by_test_id("points-expiry-days").fill("30")
    await owner.get_by_test_id("points-reminder-days").fill("40")
    await owner.get_by_test_id("points-action-profile_completed").fill("50")
    await owner.get_by_test_id("points-save").click()  # a reminder after the points are gone: told so, kept
    await expect(owner.get_by_test_id("error-reminder_days")).to_have_text(
        "Påminnelsen må komme før poengene går ut: velg færre dager enn poengene varer."
    )
    await expect(owner.get_by_test_id("points-kroner")).to_have_value("10")
    await owner.get_by_test_id("points-expiry-days").fill("365")
    await owner.get_by_test_id("points-reminder-days").fill("30")
    await owner.get_by_test_id("points-save").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Lagret. Poeng som alt er gitt, beholder datoene sine.")
    await expect(owner.get_by_test_id("points-name")).to_have_value("Kaffepoeng")
    await expect(owner.get_by_test_id("points-action-profile_completed")).to_have_value("50")

    await owner.get_by_test_id("points-item-create").click()  # no name, no cost: told so, nothing saved
    await expect(owner.get_by_test_id("points-item-form")).to_contain_text("Gi belønningen et navn")
    await expect(owner.get_by_test_id("points-item-form")).to_contain_text("Skriv prisen i hele poeng")
    await owner.get_by_test_id("points-new-name").fill("Skolebolle")
    await owner.get_by_test_id("points-new-cost").fill("20")
    await owner.get_by_test_id("points-new-stock").fill("5")
    await owner.get_by_test_id("points-new-picture").fill("/assets/icons/icon-192.png")
    await owner.get_by_test_id("points-item-create").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Belønningen er lagt til i katalogen.")
    bun = owner.get_by_test_id("points-admin-item").filter(has_text="Skolebolle")
    await expect(bun.get_by_test_id("points-item-summary")).to_have_text("20 poeng · 5 igjen")
    await bun.get_by_test_id("points-item-stock").fill("10")
    await bun.get_by_test_id("points-item-save").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Belønningen er endret.")
    await expect(bun.get_by_test_id("points-item-summary")).to_have_text("20 poeng · 10 igjen")
    await owner.get_by_test_id("points-new-name").fill("Kaffe for et år")
    await owner.get_by_test_id("points-new-cost").fill("500")
    await owner.get_by_test_id("points-item-create").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Belønningen er lagt til i katalogen.")
    await expect(
        owner.get_by_test_id("points-admin-item")
        .filter(has_text="Kaffe for et år")
        .get_by_test_id("points-item-summary")
    ).to_have_text("500 poeng · ubegrenset antall")
    await screenshot(owner, "owner-points")

    member_page = await phone.new_page()
    member = await join(member_page, server)
    card = member_page.get_by_test_id("points-home")
    await expect(card.get_by_test_id("points-balance")).to_have_text("0")
    await expect(card).to_contain_text("Kaffepoeng")
    await member_page.get_by_test_id("show-card").click()
    qr = member_page.locator("#member-qr")
    await expect(qr).to_have_attribute("data-token", re.compile(r"^DS2[0-9B-LNOPR-VX]{123}$"))
    token = await qr.get_attribute("data-token")
    assert token
    await member_page.get_by_test_id("qr-close").click()

    page = await till.new_page()
    await staff_login(page)
    await page.get_by_test_id("staff-manual-input").fill(token)  # as a handheld scanner types it
    await page.get_by_test_id("staff-manual-submit").click()
    panel = page.get_by_test_id("points-till")
    await expect(panel.get_by_test_id("points-till-balance")).to_have_text("0 poeng")
    await expect(panel.get_by_test_id("points-none-affordable")).to_contain_text("den billigste koster 20 poeng")
    amount = panel.get_by_test_id("points-amount")
    await expect(amount).to_have_attribute("inputmode", "decimal")
    await amount.fill("12x")
    await amount.press("Enter")  # a typo: told so, nothing sent, what was typed stays
    await expect(panel.get_by_test_id("points-message")).to_have_text(
        "Skriv beløpet i kroner, for eksempel 249 eller 249,50."
    )
    await expect(amount).to_have_value("12x")
    await amount.fill("5")
    await panel.get_by_test_id("points-earn").click()  # under 10 kr: the server refuses, in words
    await expect(panel.get_by_test_id("points-message")).to_have_text(
        "Beløpet er for lite til et poeng. Ingenting er lagt til."
    )
    await expect(amount).to_have_value("5")
    await amount.fill("249,50")
    await panel.get_by_test_id("points-earn").click()
    await expect(panel.get_by_test_id("points-message")).to_have_text("+24 poeng gitt. Kunden har nå 24 poeng.")
    await expect(amount).to_have_value("")
    await expect(panel.get_by_test_id("points-till-balance")).to_have_text("24 poeng")
    spend = panel.get_by_test_id("points-spend")
    await expect(spend).to_have_count(1)  # only what the member can afford: not the 500-point one
    await expect(spend).to_have_text("Løs inn Skolebolle (20 poeng)")
    await screenshot(page, "staff-points-before")
    await spend.click()
    await expect(panel.get_by_test_id("points-message")).to_have_text("Løst inn: Skolebolle. 4 poeng igjen.")
    await expect(panel.get_by_test_id("points-till-balance")).to_have_text("4 poeng")
    await expect(panel.get_by_test_id("points-spend")).to_have_count(0)
    await screenshot(page, "staff-points")
    rows = await query(
        server.database_url,
        "SELECT e.kind, e.points, e.reason FROM points_entry e JOIN member m ON m.id = e.member "
        "WHERE m.member_number = ? ORDER BY e.id",
        member.member_number,
    )
    assert [tuple(r) for r in rows] == [("earn", 24, "purchase"), ("spend", -20, "Skolebolle")]

    # The purchase's points expire in ten days from now (a state the app reaches only over a year):
    # inside the 30-day reminder window, the home screen warns.
    await execute(
        server.database_url,
        "UPDATE points_entry SET expires_at = ? "
        "WHERE kind = 'earn' AND member = (SELECT id FROM member WHERE member_number = ?)",
        in_ten_days(server.database_url),
        member.member_number,
    )

    # The member's home screen polls: the balance, then the catalogue and the history on a tap.
    await expect(card.get_by_test_id("points-balance")).to_have_text("4")
    await expect(card.get_by_test_id("points-expiring")).to_contain_text("4 poeng utløper")
    await expect(card.get_by_test_id("points-pending")).to_have_count(0)
    await card.get_by_test_id("points-open").click()
    items = card.get_by_test_id("points-item")
    await expect(items).to_have_count(5)  # the demo's three and the two added, the cheapest first
    await expect(items.nth(0)).to_contain_text("Skolebolle")
    picture = items.nth(0).locator("img")
    await expect(picture).to_be_visible()
    assert await picture.evaluate("img => img.decode().then(() => img.naturalWidth)") == 192  # waits for it to load
    await expect(items.nth(0).get_by_test_id("points-item-status")).to_have_text("Mangler 16 poeng")
    await expect(items.nth(1)).to_contain_text("Kanelbolle")  # the demo's, 30 points
    await expect(items.nth(4)).to_contain_text("Kaffe for et år")
    await expect(items.nth(4).get_by_test_id("points-item-status")).to_have_text("Mangler 496 poeng")
    history = card.get_by_test_id("points-history-item")
    await expect(history).to_have_count(2)
    await expect(history.nth(0)).to_contain_text("-20 · Løst inn")
    await expect(history.nth(0)).to_contain_text("Skolebolle")
    await expect(history.nth(1)).to_contain_text("+24 · Opptjent")
    await expect(history.nth(1)).to_contain_text("Kjøp")
    await screenshot(member_page, "member-points")
    await card.screenshot(path=str(SCREENSHOTS / "member-points-section.png"))

    # A refund window from now on: the next purchase's points wait, and the member is told why.
    await owner.get_by_test_id("points-refund-days").fill("14")
    await owner.get_by_test_id("points-save").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Lagret. Poeng som alt er gitt, beholder datoene sine.")
    # The till's connection drops after the server earned: "Prøv igjen" sends the same Idempotency-Key,
    # and the purchase earns once.
    keys: list[str | None] = []

    async def answer_lost(route: Route) -> None:
        await route.fetch()  # the server earns
        keys.append(route.request.headers.get("idempotency-key"))
        await route.abort("connectionreset")

    await page.route("**/api/staff/points/earnings", answer_lost, times=1)
    await amount.fill("100")
    await panel.get_by_test_id("points-earn").click()
    await expect(panel.get_by_test_id("points-message")).to_contain_text("Ingen nettforbindelse")
    await expect(amount).to_have_value("100")
    retried: list[str | None] = []
    page.on(
        "request", lambda r: retried.append(r.headers.get("idempotency-key")) if "points/earnings" in r.url else None
    )
    await panel.get_by_test_id("points-retry").click()
    await expect(panel.get_by_test_id("points-message")).to_have_text("+10 poeng gitt. Kunden har nå 14 poeng.")
    assert keys and keys == retried, (keys, retried)
    earned = await query(
        server.database_url,
        "SELECT COUNT(*) FROM points_entry WHERE kind = 'earn' AND amount_ore = ? "
        "AND member = (SELECT id FROM member WHERE member_number = ?)",
        10_000,
        member.member_number,
    )
    assert earned == [(1,)]
    await expect(panel.get_by_test_id("points-till-balance")).to_have_text("4 poeng · 10 venter")
    await expect(card.get_by_test_id("points-pending")).to_contain_text("10 poeng venter")
    await expect(card.get_by_test_id("points-pending")).to_contain_text("angrefristen")
    await expect(card.get_by_test_id("points-balance")).to_have_text("4")
    await expect(card.get_by_test_id("points-details")).to_have_attribute("open", "")  # the poll kept it open
    await expect(card.get_by_test_id("points-history-item")).to_have_count(3)
    await card.screenshot(path=str(SCREENSHOTS / "member-points-pending.png"))

    # In English too.
    await member_page.get_by_test_id("lang-switch").click()
    await expect(card).to_contain_text("points to use now")
    await expect(card.get_by_test_id("points-pending")).to_contain_text("10 points pending")
    await member_page.get_by_test_id("lang-switch").click()
    await expect(card).to_contain_text("poeng kan brukes nå")

    # The owner takes the big reward out of the catalogue: it says so, and it can be put back.
    year = owner.get_by_test_id("points-admin-item").filter(has_text="Kaffe for et år")
    await year.get_by_test_id("points-item-remove").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Belønningen er tatt ut av katalogen.")
    await expect(year).to_contain_text("Tatt ut")
    await expect(year.get_by_test_id("points-item-restore")).to_be_visible()

    # The owner stops the program (the rest of the browser suite runs without points again).
    await owner.get_by_test_id("points-active").uncheck()
    await owner.get_by_test_id("points-save").click()
    await expect(owner.get_by_test_id("flash")).to_have_text("Lagret. Poeng som alt er gitt, beholder datoene sine.")
    await expect(owner.get_by_test_id("points-active")).not_to_be_checked()
    await expect(member_page.get_by_test_id("points-home")).to_have_count(0)
    await amount.fill("80")  # the till still shows the section it had: told in words, nothing given
    await panel.get_by_test_id("points-earn").click()
    await expect(panel.get_by_test_id("points-message")).to_have_text(
        "Poengprogrammet er ikke i gang nå. Ingenting er endret."
    )
    await expect(amount).to_have_value("80")
