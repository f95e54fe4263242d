"""The owner's numbers (/admin/dashboard): charts drawn from the demo data with the same figures
the API gives, the period kept in the address, a chart's table downloaded as CSV, and a stamp
given at the till showing up on the dashboard."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, join, owner_login, staff_login

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")


def plain(text: str | None) -> str:
    """Text with the no-break spaces of Norwegian number formatting as plain spaces."""
    return (text or "").replace("\u00a0", " ").replace("\u202f", " ")


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)} %"


async def dashboard_api(page: Page, query: str = "") -> Any:
    """GET /api/admin/dashboard through the app's own api.js, with the owner's cookies."""
    return await page.evaluate(
        """async (query) => {
            const { api } = await import('/assets/api.js');
            return api.get('/api/admin/dashboard' + query);
        }""",
        query,
    )


async def open_dashboard(page: Page) -> None:
    await page.get_by_test_id("admin-nav-dashboard").click()
    await page.wait_for_url(re.compile(r"/admin/dashboard$"))
    await expect(page.get_by_test_id("admin-nav-dashboard")).to_have_attribute("aria-current", "page")
    await expect(page.get_by_test_id("dash-content")).to_have_attribute("data-from", re.compile(r"\d{4}-\d\d-\d\d"))


async def figure(page: Page, testid: str) -> str | None:
    return await page.get_by_test_id(testid).get_attribute("data-value")


def read_csv(path: Path) -> list[str]:
    """A downloaded CSV's lines (UTF-8 with BOM, CRLF line ends)."""
    return path.read_bytes().decode("utf-8-sig").split("\r\n")


def shot_path(name: str) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return str(SHOTS / f"{name}.png")


async def shot(page: Page, name: str) -> None:
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=shot_path(name), full_page=True)


async def test_the_owner_reads_the_numbers_picks_a_period_and_downloads_a_table(
    phone: BrowserContext,
) -> None:
    page = await phone.new_page()
    await owner_login(page)
    await open_dashboard(page)
    d = await dashboard_api(page)
    content = page.get_by_test_id("dash-content")
    await expect(content).to_have_attribute("data-from", d["period"]["from"])
    await expect(content).to_have_attribute("data-to", d["period"]["to"])
    await expect(page.get_by_test_id("dash-period-30")).to_have_attribute("aria-pressed", "true")

    # Key figures: the raw number in data-value, Norwegian formatting on screen.
    assert await figure(page, "dash-members-total") == str(d["members"]["total"])
    assert await figure(page, "dash-members-new") == str(d["members"]["new"])
    assert await figure(page, "dash-active-30") == str(d["activity"]["active_30d"])
    assert await figure(page, "dash-active-90") == str(d["activity"]["active_90d"])
    assert await figure(page, "dash-stamps-total") == str(d["stamps"]["total"])
    assert await figure(page, "dash-rewards-issued") == str(d["rewards"]["issued"])
    assert await figure(page, "dash-rewards-redeemed") == str(d["rewards"]["redeemed"])
    assert await figure(page, "dash-rewards-expired") == str(d["rewards"]["expired"])
    for testid, rate in [
        ("dash-repeat-rate", d["activity"]["repeat_visit_rate"]),
        ("dash-redemption-rate", d["rewards"]["redemption_rate"]),
        ("dash-push-rate", d["push"]["push_opt_in_rate"]),
        ("dash-winback-rate", d["winback"]["rate"]),
    ]:
        value = page.get_by_test_id(testid).locator(".kpi-value")
        assert plain(await value.text_content()) == percent(rate), testid
    assert d["winback"]["rate"] is None  # the demo sent no "vi savner deg": a dash, with a hint
    await expect(page.get_by_test_id("dash-winback-rate")).to_contain_text("Ingen fikk meldingen i perioden")

    # The charts: an SVG per chart with its key figure as a label, bars/points = the series.
    members = page.get_by_test_id("dash-chart-members")
    svg = members.locator("svg[role=img]")
    await expect(svg).to_have_attribute("data-drawn", "true")
    assert f"{d['members']['new']} nye i perioden" in plain(await svg.get_attribute("aria-label"))
    bars = await members.locator("rect.chart-bar").evaluate_all("els => els.map(e => Number(e.dataset.value))")
    assert bars == [w["new"] for w in d["members"]["weekly"]]
    stamps = page.get_by_test_id("dash-chart-stamps")
    await expect(stamps.locator("svg")).to_have_attribute("data-drawn", "true")
    dots = await stamps.locator("circle.chart-dot").evaluate_all("els => els.map(e => Number(e.dataset.value))")
    assert dots == [s["stamps"] for s in d["stamps"]["daily"]]  # 30 days: a dot per day
    # … and the same numbers as a table (for screen readers and for reading them off).
    await stamps.locator("summary").click()
    rows = stamps.get_by_test_id("dash-chart-stamps-table").locator("tbody tr")
    await expect(rows).to_have_count(d["period"]["days"])
    # Net stamps go below zero on a day with voids; Norwegian number format writes a real minus sign.
    today = str(d["stamps"]["daily"][-1]["stamps"]).replace("-", "\u2212")
    await expect(rows.last.locator("td")).to_have_text(today)
    tiers = page.get_by_test_id("dash-chart-tiers").locator("rect.chart-bar")
    assert await tiers.evaluate_all("els => els.map(e => Number(e.dataset.value))") == [t["count"] for t in d["tiers"]]
    stores = page.get_by_test_id("dash-chart-signups-store")
    assert "Uten butikk" in await stores.locator("svg").text_content()
    # Newest first (other tests may have sent campaigns on this server); at most five are drawn.
    campaign = max(d["campaigns"], key=lambda c: str(c["released_at"]))
    bars = page.get_by_test_id("dash-chart-campaign").first.locator("rect.chart-bar")
    assert await bars.evaluate_all("els => els.map(e => Number(e.dataset.value))") == [
        campaign["recipients"],
        campaign["delivered"],
        campaign["clicked"],
    ]
    await shot(page, "dashboard-phone")

    # A preset period goes into the address; the figures follow it and a reload keeps it.
    await page.get_by_test_id("dash-period-7").click()
    await page.wait_for_url(re.compile(r"/admin/dashboard\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$"))
    await expect(content).to_have_attribute("data-days", "7")
    query = page.url[page.url.index("?") :]
    week = await dashboard_api(page, query)
    assert week["period"]["days"] == 7 and week["period"]["to"] == d["period"]["to"]
    await expect(page.get_by_test_id("dash-stamps-total")).to_have_attribute("data-value", str(week["stamps"]["total"]))
    assert await figure(page, "dash-members-new") == str(week["members"]["new"])
    await expect(stamps.locator("circle.chart-dot")).to_have_count(7)
    await expect(page.get_by_test_id("dash-period-7")).to_have_attribute("aria-pressed", "true")
    await page.reload()
    await expect(content).to_have_attribute("data-days", "7")
    await expect(page.get_by_test_id("dash-period-7")).to_have_attribute("aria-pressed", "true")
    assert await figure(page, "dash-stamps-total") == str(week["stamps"]["total"])

    # A period the server refuses is explained next to the dates; the address stays.
    await expect(page.get_by_test_id("dash-from")).to_be_visible()  # open: the address holds dates
    await page.get_by_test_id("dash-from").fill("2026-12-24")
    await page.get_by_test_id("dash-to").fill("2026-12-01")
    await page.get_by_test_id("dash-period-apply").click()
    await expect(page.get_by_test_id("dash-period-error")).to_have_text("Fra-datoen er etter til-datoen. Bytt dem om.")
    assert page.url.endswith(query)
    await expect(content).to_have_attribute("data-days", "7")

    # Own dates: the first ten days of the demo's 30-day window.
    first = date.fromisoformat(d["period"]["from"])
    last = first + timedelta(days=9)
    await page.get_by_test_id("dash-to").fill(last.isoformat())
    await page.get_by_test_id("dash-from").fill(first.isoformat())
    await page.get_by_test_id("dash-period-apply").click()
    await page.wait_for_url(re.compile(rf"\?from={first.isoformat()}&to={last.isoformat()}$"))
    await expect(page.get_by_test_id("dash-period-error")).to_have_count(0)
    await expect(content).to_have_attribute("data-days", "10")
    ten = await dashboard_api(page, f"?from={first.isoformat()}&to={last.isoformat()}")
    await expect(page.get_by_test_id("dash-stamps-total")).to_have_attribute("data-value", str(ten["stamps"]["total"]))
    for button in ("dash-period-7", "dash-period-30"):
        await expect(page.get_by_test_id(button)).to_have_attribute("aria-pressed", "false")

    # "Last ned CSV" under the stamps chart: that table, for this period.
    async with page.expect_download() as info:
        await page.get_by_test_id("dash-stamps").get_by_test_id("dash-csv-stamps").click()
    download = await info.value
    assert download.suggested_filename == f"stampcard-stamps-{first.isoformat()}-{last.isoformat()}.csv"
    lines = read_csv(await download.path())
    assert lines[0] == "Dag;Stempler"
    assert lines[1] == f"{first.isoformat()};{ten['stamps']['daily'][0]['stamps']}"
    assert len(lines) == 1 + 10 + 1


async def test_a_stamp_at_the_till_shows_on_the_dashboard(
    browser: Browser, server: Server, phone: BrowserContext, till: BrowserContext
) -> None:
    desktop = await browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 800}, locale="nb-NO", timezone_id="Europe/Oslo"
    )
    try:
        owner = await desktop.new_page()
        await owner_login(owner)
        await open_dashboard(owner)
        before = await dashboard_api(owner)
        await expect(owner.get_by_test_id("dash-stamps-last")).to_contain_text("I dag")
        stamps_today = int(await figure(owner, "dash-stamps-last") or -1)
        assert stamps_today == before["stamps"]["daily"][-1]["stamps"]

        # A new member joins on a phone and gets a stamp at the till.
        member = await join(await phone.new_page(), server)
        cashier = await till.new_page()
        await staff_login(cashier)
        await cashier.get_by_test_id("staff-manual-input").fill(member.member_number)
        await cashier.get_by_test_id("staff-manual-submit").click()
        await cashier.get_by_test_id("staff-add-1").click()
        await expect(cashier.get_by_test_id("scan-message")).to_have_text("Stempel lagt til – 1 av 10")

        # The owner looks again: one more stamp today, one more member, one more visitor.
        await owner.reload()
        await expect(owner.get_by_test_id("dash-stamps-last")).to_have_attribute("data-value", str(stamps_today + 1))
        after = await dashboard_api(owner)
        assert after["stamps"]["daily"][-1]["stamps"] == stamps_today + 1
        assert after["stamps"]["total"] == before["stamps"]["total"] + 1
        assert after["members"]["total"] == before["members"]["total"] + 1
        assert await figure(owner, "dash-members-total") == str(after["members"]["total"])
        last_dot = owner.get_by_test_id("dash-chart-stamps").locator("circle.chart-dot-last")
        await expect(last_dot).to_have_attribute("data-value", str(stamps_today + 1))
        await shot(owner, "dashboard-desktop")

        # In English the CSV comes in English too.
        await owner.get_by_test_id("lang-switch").click()
        await expect(owner.get_by_test_id("dash-stamps-last")).to_contain_text("Today")
        link = owner.get_by_test_id("dash-stamps").get_by_test_id("dash-csv-stamps")
        await expect(link).to_contain_text("Download CSV")
        async with owner.expect_download() as info:
            await link.click()
        lines = read_csv(await (await info.value).path())
        assert lines[0] == "Day;Stamps"
        assert lines[-2].endswith(f";{stamps_today + 1}")
    finally:
        await desktop.close()


async def test_a_store_account_is_not_shown_the_numbers(till: BrowserContext) -> None:
    page = await till.new_page()
    await staff_login(page)
    await page.goto("/admin/dashboard")
    await expect(page.get_by_test_id("admin-refusal")).to_be_visible()
    await expect(page.get_by_test_id("dash-content")).to_have_count(0)


async def test_a_period_in_the_address_the_server_refuses_is_explained(phone: BrowserContext) -> None:
    page = await phone.new_page()
    await owner_login(page)
    await page.goto("/admin/dashboard?from=2024-01-01&to=2026-01-01")
    await expect(page.get_by_test_id("dash-period-error")).to_have_text(
        "En periode kan være høyst 366 dager. Velg en kortere periode."
    )
    await expect(page.get_by_test_id("dash-from")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("dash-members")).to_have_count(0)
    await page.get_by_test_id("dash-period-90").click()
    await expect(page.get_by_test_id("dash-content")).to_have_attribute("data-days", "90")
    await expect(page.get_by_test_id("dash-period-error")).to_have_count(0)
    await expect(page.get_by_test_id("dash-members")).to_be_visible()
