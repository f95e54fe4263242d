"""Handheld scanners set to any keyboard layout: the till reads a scan by key position (as a US or
Norwegian, German and French scanner means each key) and by the key typed, and the member QR is found.

A keyboard-wedge scanner set to layout S presses, for each character, the key that S has for it
(`code`, the physical key); the till's own layout H then decides `key`. The events below are what
the till's browser sees for every S and H of US, Norwegian, German and French."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.async_api import BrowserContext, Page, expect

from digital_stampcard import member_qr
from tests.api.helpers import Browser as ApiClient
from tests.browser.conftest import Server, fresh_mobile, staff_login

pytestmark = pytest.mark.browser

Key = tuple[str, str]  # what a key types without and with Shift


def _layout(
    moved: dict[str, Key], shifted_digits: str, plain_digits: str = "1234567890", **keys: Key
) -> dict[str, Key]:
    letters = {f"Key{c}": (c.lower(), c) for c in string.ascii_uppercase}
    digits = {
        f"Digit{d}": (plain, shifted)
        for d, plain, shifted in zip("1234567890", plain_digits, shifted_digits, strict=True)
    }
    return {**letters, **moved, **digits, **keys}


LAYOUTS = {
    "us": _layout({}, "!@#$%^&*()", Semicolon=(";", ":")),
    "no": _layout({}, '!"#¤%&/()=', Semicolon=("ø", "Ø")),
    "de": _layout({"KeyY": ("z", "Z"), "KeyZ": ("y", "Y")}, '!"§$%&/()=', Semicolon=("ö", "Ö")),
    "fr": _layout(
        {"KeyA": ("q", "Q"), "KeyQ": ("a", "A"), "KeyW": ("z", "Z"), "KeyZ": ("w", "W"), "KeyM": (",", "?")},
        "1234567890",
        "&é\"'(-è_çà",
        Semicolon=("m", "M"),
    ),
}


def scanner_keys(text: str, scanner: str, till: str) -> Iterator[dict[str, Any]]:
    """The keydown events a scanner set to `scanner` makes on a till set to `till`, Enter last."""
    for char in text:
        code, shift = next(
            (code, shift) for code, typed in LAYOUTS[scanner].items() for shift in (0, 1) if typed[shift] == char
        )
        if shift:
            yield {"code": "ShiftLeft", "key": "Shift", "shiftKey": True}
        yield {"code": code, "key": LAYOUTS[till][code][shift], "shiftKey": bool(shift)}
    yield {"code": "Enter", "key": "Enter"}


# All of a scan's keydowns in one task: as fast as a scanner (the till needs < 50 ms between keys).
TYPE_KEYS = """(events) => {
  const target = document.activeElement || document.body;
  for (const e of events) target.dispatchEvent(new KeyboardEvent('keydown', { ...e, bubbles: true, cancelable: true }));
}"""

LISTEN = """async () => {
  const { listenForWedge } = await import('/assets/keyboard-wedge.js');
  window.scans = [];
  window.stopWedge = listenForWedge((code, others) => window.scans.push({ code, others }));
}"""


def us_meaning(code: str) -> str:
    return LAYOUTS["us"][code][1] if code.startswith("Key") else code.removeprefix("Digit")


def now_step() -> int:
    return member_qr.time_step(datetime.now(UTC))


def test_the_layout_model_moves_what_the_layouts_move() -> None:
    """The premise: a German or French scanner's Z, Y, A, Q, W, M land on other keys than a US one's."""
    moved = {
        c
        for c in string.ascii_uppercase
        if len({next(k for k, typed in LAYOUTS[s].items() if typed[1] == c) for s in LAYOUTS}) > 1
    }
    assert moved == set(member_qr.LAYOUT_MOVED_LETTERS)
    assert list(scanner_keys("Z1", "de", "us"))[1] == {"code": "KeyY", "key": "Y", "shiftKey": True}
    assert list(scanner_keys("1", "fr", "fr"))[1] == {"code": "Digit1", "key": "1", "shiftKey": True}
    assert list(scanner_keys("1", "us", "fr"))[0] == {"code": "Digit1", "key": "&", "shiftKey": False}


async def test_every_scanner_layout_on_every_till_layout_reads_the_code(phone: BrowserContext) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    device = member_qr.new_device_id(bytes(range(7)))
    ds2 = member_qr.sign_token(key, device, now_step())
    ds1 = member_qr.sign_token(key, device, now_step(), "DS1")
    number = "912345678"
    page = await phone.new_page()
    await page.goto("/join")
    await page.evaluate(LISTEN)
    for scanner in LAYOUTS:
        for till in LAYOUTS:
            for text in (ds2, ds1, number):
                await page.evaluate(TYPE_KEYS, list(scanner_keys(text, scanner, till)))
                [scan] = await page.evaluate("window.scans.splice(0)")
                where = f"{scanner} scanner on a {till} till: {text[:3]}"
                if text is ds1:  # Base32 moves with the layout: the right reading is among those sent
                    assert ds1 in [scan["code"], *scan["others"]], where
                    assert len(scan["others"]) <= member_qr.MAX_OTHER_READINGS, where
                else:  # the layout-safe code and a member number read the same every way
                    assert scan == {"code": text, "others": []}, where


async def _api_member(server: Server) -> tuple[ApiClient, str]:
    client = ApiClient(httpx.AsyncClient(base_url=server.url))
    mobile = fresh_mobile()
    await client.join(mobile)
    me = (await client.get("/api/me")).json()
    return client, me["member"]["member_number"]


async def _scan_at_the_till(page: Page, events: list[dict[str, Any]], member_number: str) -> None:
    await expect(page.get_by_test_id("staff-waiting")).to_be_visible()
    await page.evaluate(TYPE_KEYS, events)
    digits = re.sub(r"(\d{3})(\d{3})(\d{3})", r"\1 \2 \3", member_number)
    await expect(page.get_by_test_id("scan-member-number")).to_contain_text(digits)
    await expect(page.get_by_test_id("scan-manual-note")).to_have_count(0)  # a QR scan: it may redeem
    await page.get_by_test_id("staff-new-scan").click()


@pytest.mark.parametrize(
    ("scanner", "till_layout", "version"),
    [
        ("us", "us", "DS2"),
        ("no", "no", "DS2"),
        ("de", "de", "DS2"),
        ("fr", "fr", "DS2"),
        ("fr", "us", "DS2"),
        ("de", "de", "DS1"),  # an old app's code: by key position the till reads Y for Z
        ("fr", "fr", "DS1"),
        ("de", "us", "DS1"),  # by key the till reads Y for Z too: the German positions have it
    ],
)
async def test_the_till_finds_the_member_whatever_the_scanner_layout(
    till: BrowserContext, server: Server, scanner: str, till_layout: str, version: str
) -> None:
    client, member_number = await _api_member(server)
    try:
        token = client.qr(now_step(), version)
        events = list(scanner_keys(token, scanner, till_layout))
        if version == "DS1" and scanner != "us":  # the premise: by US key positions this scan reads wrong
            assert "".join(us_meaning(e["code"]) for e in events if e["code"] not in ("ShiftLeft", "Enter")) != token
        page = await till.new_page()
        await staff_login(page)
        await _scan_at_the_till(page, events, member_number)
    finally:
        await client.client.aclose()
