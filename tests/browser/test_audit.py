"""The owner's audit screen: a void revokes a reward and the member sees the reason on their phone."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, Server, execute, member_login, owner_login, query, screenshot

pytestmark = pytest.mark.browser

REASON = "Stempler gitt til feil kunde"


async def member_with_reward(database_url: str) -> tuple[str, str, int]:
    """A demo member holding an active reward for a while yet: (member number, mobile, reward id).
    The one expiring soonest, so tests that pick the newest reward keep theirs."""
    rows = await query(
        database_url,
        "SELECT m.member_number, m.phone, r.id, r.expires_at FROM reward r JOIN member m ON m.id = r.member "
        "WHERE r.status = 'active' AND m.phone IS NOT NULL ORDER BY r.expires_at",
    )
    soon = datetime.now(UTC) + timedelta(days=1)
    for number, phone, reward_id, expires_at in rows:
        expires = expires_at if isinstance(expires_at, datetime) else datetime.fromisoformat(str(expires_at))
        if (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) > soon:
            return str(number), str(phone).removeprefix("+47"), int(str(reward_id))
    raise AssertionError("the demo data has no member with an active reward")


async def test_a_void_revokes_a_reward_and_the_member_sees_the_reason(
    phone: BrowserContext, till: BrowserContext, server: Server
) -> None:
    number, mobile, reward_id = await member_with_reward(server.database_url)
    member = await phone.new_page()
    await member_login(member, server, mobile)
    reward = member.locator(f'[data-testid="reward-item"][data-reward-id="{reward_id}"]')
    await expect(reward).to_be_visible()

    owner = await till.new_page()
    await owner_login(owner)
    await owner.get_by_test_id("admin-nav-audit").click()
    await owner.wait_for_url(re.compile(r"/admin/audit$"))
    await expect(owner.get_by_test_id("audit-alerts")).to_be_visible()
    await owner.get_by_test_id("audit-filters-toggle").click()
    await owner.get_by_test_id("audit-filter-member").fill(number)
    await owner.get_by_test_id("audit-filter-action").select_option("stamp")
    await owner.get_by_test_id("audit-filter-apply").click()
    await owner.wait_for_url(re.compile(rf"/admin/audit\?member={number}&action=stamp$"))
    rows = owner.get_by_test_id("audit-item")
    await expect(rows.first).to_be_visible()
    for i in range(await rows.count()):
        await expect(rows.nth(i)).to_contain_text(f"{number[:3]} {number[3:6]} {number[6:]}")
    await screenshot(owner, "audit-filtered")
    async with owner.expect_download() as info:  # the same filtered rows as a spreadsheet
        await owner.get_by_test_id("audit-csv").click()
    download = await info.value
    assert download.suggested_filename.startswith("stampcard-audit-")
    lines = (await download.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Nr.;Tid (Oslo);Handling;Stempler;Medlemsnummer")
    assert len(lines) - 1 == await rows.count() and all(";stamp;" in line and number in line for line in lines[1:])

    # The stamps given after the reward stand in for voided ones, so the owner voids the newest
    # stamps one by one until the one that completed the card goes and the reward is withdrawn.
    for attempt in range(12):
        newest = owner.locator('[data-testid="audit-item"]:has([data-testid="audit-void"])').first
        entry_id = await newest.get_attribute("data-entry-id")
        await newest.get_by_test_id("audit-void").click()
        box = newest.get_by_test_id("audit-void-box")
        await expect(box).to_be_visible()
        if attempt == 0:
            await box.get_by_test_id("audit-void-confirm").click()  # no reason yet: refused in place
            await expect(box.get_by_test_id("audit-void-error")).to_be_visible()
            await screenshot(owner, "audit-void-confirm")
        await box.get_by_test_id("audit-void-reason").fill(REASON)
        await box.get_by_test_id("audit-void-confirm").click()
        flash = owner.get_by_test_id("audit-flash")
        await expect(flash).to_be_visible()
        voided = owner.locator(f'[data-testid="audit-item"][data-entry-id="{entry_id}"]')
        await expect(voided.get_by_test_id("audit-voided")).to_be_visible()
        if "trukket tilbake" in (await flash.inner_text()):
            break
    else:
        raise AssertionError("no void withdrew the reward")
    await expect(flash).to_contain_text("Gratis kaffe")
    await screenshot(owner, "audit-after-void")

    # The member's home polls /api/me: the reward is gone and the activity says why.
    await expect(reward).to_have_count(0, timeout=15_000)
    await expect(member.get_by_test_id("reward-revoked")).to_contain_text(REASON)
    revoked = member.locator('[data-testid="activity-item"].activity-reward_revoked').first
    await expect(revoked).to_contain_text("Belønning trukket tilbake")
    await expect(revoked).to_contain_text(REASON)
    await expect(member.locator('[data-testid="activity-item"].activity-void').first).to_contain_text(REASON)
    await member.get_by_test_id("reward-revoked").scroll_into_view_if_needed()
    await member.screenshot(path=str(SCREENSHOTS / "member-reward-revoked.png"))
    await screenshot(member, "member-reward-revoked-full")
    await member.get_by_test_id("lang-switch").click()
    await expect(member.locator(".activity-reward_revoked").first).to_contain_text("Reward withdrawn")
    rows_after = await query(server.database_url, "SELECT status, revoked_reason FROM reward WHERE id = ?", reward_id)
    assert rows_after == [("revoked", REASON)]


async def test_the_owner_sees_when_todays_sms_near_the_daily_budget(till: BrowserContext, server: Server) -> None:
    """800 of the default 1,000 segments sent today (as the SMS gateway would have recorded them)."""
    now = datetime.now(UTC)
    await execute(
        server.database_url,
        "INSERT INTO sms_message (reference, purpose, to_masked, segments, encoding, gateway, status, created_at) "
        "VALUES (?, 'code', '+47 *** ** 567', 800, 'GSM-7', 'sveve', 'delivered', ?)",
        str(uuid.uuid4()),
        now if server.database_url.startswith("postgresql") else now.isoformat(),
    )
    owner = await till.new_page()
    await owner_login(owner)
    await owner.get_by_test_id("admin-nav-audit").click()
    alert = owner.locator('[data-testid="alert-item"][data-kind="sms_budget"]')
    await expect(alert).to_contain_text("Dagens SMS har brukt 800 av 1000 segmenter")
    await expect(alert.get_by_test_id("alert-show")).to_have_count(0)  # no audit rows behind it
    await screenshot(owner, "audit-sms-budget-alert")
