"""The till: scanning the member's QR with the camera, manual entry, undo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from playwright.async_api import BrowserContext, Playwright, expect

from tests.browser.conftest import (
    PHONE,
    Server,
    demo_member_with_active_reward,
    join,
    launch_chromium,
    screenshot,
    staff_login,
)

pytestmark = pytest.mark.browser

VIDEO_W, VIDEO_H = 640, 480


def write_qr_video(token: str, path: Path, frames: int = 10) -> Image.Image:
    """A YUV4MPEG2 (4:2:0) clip of `token` as a QR code (level M, 4-module quiet zone), big and centred on white."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    qr.add_data(token)
    qr.make(fit=True)
    modules = qr.modules_count + 2 * qr.border
    qr.box_size = (VIDEO_H - 20) // modules
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    frame = Image.new("L", (VIDEO_W, VIDEO_H), 255)
    frame.paste(code, ((VIDEO_W - code.width) // 2, (VIDEO_H - code.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * ((VIDEO_W // 2) * (VIDEO_H // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{VIDEO_W} H{VIDEO_H} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return frame


async def test_staff_scans_member_qr_with_camera_and_stamp_appears_on_member_screen(
    phone: BrowserContext, server: Server, pw: Playwright, tmp_path: Path
) -> None:
    member_page = await phone.new_page()
    await join(member_page, server)
    await member_page.get_by_test_id("show-card").click()
    qr = member_page.locator("#member-qr")
    await expect(qr).to_have_attribute("data-token", re.compile(r"^DS2[0-9B-LNOPR-VX]{123}$"))
    token = await qr.get_attribute("data-token")
    assert token
    await screenshot(member_page, "member-qr")
    await member_page.get_by_test_id("qr-close").click()
    await member_page.wait_for_url(re.compile(r"/$"))
    member_count = member_page.get_by_test_id("stamp-count")
    await expect(member_count).to_have_text("0 av 10 stempler")

    # The till's camera films that code. The fake camera is a per-process flag: a second Chromium.
    # The token is only good for about a minute (±2 steps of 30 s), so the clip is made right now.
    video = tmp_path / "member-qr.y4m"
    write_qr_video(token, video).save(tmp_path / "member-qr-frame.png")
    staff_browser = await launch_chromium(
        pw,
        [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        till = await staff_browser.new_context(base_url=server.url, permissions=["camera"], **PHONE)  # type: ignore[arg-type]
        page = await till.new_page()
        await staff_login(page)
        camera = page.locator("#scanner-video")
        start = page.get_by_test_id("staff-camera-start")
        await expect(page.locator("#scanner-video[data-engine]").or_(start)).to_be_visible()
        if await start.is_visible():  # the camera did not start by itself: the retry button
            await start.click()
        await expect(camera).to_have_attribute("data-engine", re.compile(r"^(native|jsqr)$"))

        await expect(page.get_by_test_id("scan-result")).to_be_visible(timeout=15_000)
        await expect(page.get_by_test_id("scan-stamp-count")).to_have_text("0 av 10 stempler")
        await expect(page.get_by_test_id("scan-tier")).to_have_text("Bronse")
        await expect(page.get_by_test_id("scan-manual-note")).to_have_count(0)
        await screenshot(page, "staff-scanned")
        await page.get_by_test_id("staff-add-1").click()
        await expect(page.get_by_test_id("scan-message")).to_have_text("Stempel lagt til – 1 av 10")
        await expect(page.get_by_test_id("scan-stamp-count")).to_have_text("1 av 10 stempler")
        await screenshot(page, "staff-stamped")
    finally:
        await staff_browser.close()

    # The member's phone shows it by itself (it polls /api/me every 5 s): no reload.
    await expect(member_count).to_have_text("1 av 10 stempler", timeout=12_000)
    await expect(member_page.get_by_test_id("home-live")).to_have_text("Nytt stempel! Du har nå 1 av 10.")
    visit = member_page.get_by_test_id("activity-item").filter(has_text="+1 stempel")
    await expect(visit).to_contain_text("Grünerløkka")
    await screenshot(member_page, "member-after-scan")


async def test_staff_manual_entry_and_undo(phone: BrowserContext, till: BrowserContext, server: Server) -> None:
    member_page = await phone.new_page()
    member = await join(member_page, server)

    page = await till.new_page()
    await staff_login(page)
    # No camera on this device: the manual field is the way in.
    await expect(page.get_by_test_id("staff-waiting")).to_be_visible()
    await page.get_by_test_id("staff-manual-input").fill(member.member_number)
    await page.get_by_test_id("staff-manual-submit").click()

    await expect(page.get_by_test_id("scan-result")).to_be_visible()
    await expect(page.get_by_test_id("scan-member-number")).to_contain_text(
        re.sub(r"(\d{3})(\d{3})(\d{3})", r"\1 \2 \3", member.member_number)
    )
    await expect(page.get_by_test_id("scan-manual-note")).to_be_visible()
    await expect(page.get_by_test_id("scan-stamp-count")).to_have_text("0 av 10 stempler")

    await page.get_by_test_id("staff-add-1").click()
    await expect(page.get_by_test_id("scan-message")).to_have_text("Stempel lagt til – 1 av 10")
    await expect(page.get_by_test_id("scan-stamp-count")).to_have_text("1 av 10 stempler")
    me = await (await member_page.request.get("/api/me")).json()
    assert me["card"]["stamps"] == 1

    await page.get_by_test_id("staff-undo").click()
    await page.get_by_test_id("staff-undo-reason").fill("Feil kunde")
    await screenshot(page, "staff-undo-form")
    await page.get_by_test_id("staff-undo-confirm").click()
    await expect(page.get_by_test_id("scan-message")).to_have_text("Siste handling er angret.")
    await expect(page.get_by_test_id("scan-stamp-count")).to_have_text("0 av 10 stempler")
    me = await (await member_page.request.get("/api/me")).json()
    assert me["card"]["stamps"] == 0

    # A demo member with a reward, found by number: the reward is shown but cannot be redeemed.
    await page.get_by_test_id("staff-new-scan").click()
    await page.get_by_test_id("staff-manual-input").fill(await demo_member_with_active_reward(server.database_url))
    await page.get_by_test_id("staff-manual-submit").click()
    await expect(page.get_by_test_id("scan-manual-note")).to_be_visible()
    redeem = page.get_by_test_id("staff-redeem").first
    await expect(redeem).to_be_visible()
    await expect(redeem).to_be_disabled()
    await expect(page.get_by_test_id("redeem-disabled-reason")).to_have_text(
        "Innløsning krever at kunden viser QR-koden."
    )
    await screenshot(page, "staff-manual-reward")
