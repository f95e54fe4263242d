"""The member QR in real life: the server's time on every API answer (for phones whose clock is off),
a refusal that says the phone's clock is off, and a handheld scan read several ways."""

from __future__ import annotations

from collections.abc import Callable

from backend.cards.tables import Scan
from backend.clock import FrozenClock
from digital_stampcard.member_qr import STEP_SECONDS, time_step
from tests.api.helpers import Browser
from tests.api.test_till import member_and_till

GERMAN_BY_POSITION = str.maketrans("YZ", "ZY")  # what a QWERTZ scanner's keys mean on a US layout
FRENCH_BY_POSITION = str.maketrans("AQWZ", "QAZW")


def millis(clock: FrozenClock) -> int:
    return round(clock.now().timestamp() * 1000)


async def test_every_api_answer_carries_the_server_time_in_milliseconds(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    browser = new_browser()
    clock.advance(milliseconds=123)
    ok = await browser.get("/api/config")
    assert ok.status_code == 200 and ok.headers["x-server-time"] == str(millis(clock))
    clock.advance(seconds=5)
    refused = await browser.get("/api/me")  # not logged in: a problem answer has it too
    assert refused.status_code == 401 and refused.headers["x-server-time"] == str(millis(clock))
    unknown = await browser.get("/api/no-such-thing")
    assert unknown.status_code == 404 and unknown.headers["x-server-time"] == str(millis(clock))
    assert "x-server-time" not in (await browser.get("/")).headers  # the app's pages are not the API


async def test_a_signed_code_for_another_time_says_the_phone_clock_is_off(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    now_step = time_step(clock.now())
    for minutes, offset_range in ((5, range(285, 316)), (-180, range(-10815, -10784))):
        response = await till.scan(phone.qr(now_step + minutes * 60 // STEP_SECONDS))
        body = response.json()
        assert response.status_code == 400 and body["code"] == "qr_clock_off", body
        assert body["clock_offset_seconds"] in offset_range
        assert "clock" in body["detail"] and body["type"] == "/problems/qr_clock_off"
    assert await Scan.count() == 0
    # Nothing was used up: the phone with the right time is served at once.
    assert (await till.scan(phone.qr(now_step))).status_code == 201


async def test_a_forged_code_is_invalid_whatever_its_time(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    other = new_browser()
    other.device_id = phone.device_id  # another key claiming the member's device
    response = await till.scan(other.qr(time_step(clock.now()) + 10))
    assert response.status_code == 400 and response.json()["code"] == "qr_invalid"


async def test_a_used_code_stays_refused_even_once_its_time_has_passed(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    code = phone.qr(time_step(clock.now()))
    assert (await till.scan(code)).status_code == 201
    clock.advance(minutes=10)
    other_till = new_browser()
    await other_till.staff_login("kasse2")
    replay = await other_till.scan(code)
    assert replay.status_code == 409 and replay.json()["code"] == "qr_replayed"
    assert await Scan.count() == 1


async def test_an_old_app_code_still_works_and_shares_its_step_with_the_new_one(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    step = time_step(clock.now())
    assert (await till.scan(phone.qr(step, "DS1"))).status_code == 201
    other_till = new_browser()
    await other_till.staff_login("kasse2")
    same_step = await other_till.scan(phone.qr(step, "DS2"))
    assert same_step.status_code == 409 and same_step.json()["code"] == "qr_replayed"
    assert (await other_till.scan(phone.qr(step + 1, "DS2"))).status_code == 201


async def test_a_handheld_scan_read_several_ways_finds_the_signed_reading(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    """An old-app (DS1) code from a scanner set to German or French: by key position the till reads
    Y for Z (or A for Q...); it sends the other readings along and the signature picks."""
    phone, till = await member_and_till(new_browser)
    step = time_step(clock.now())
    for offset, swap in ((-1, GERMAN_BY_POSITION), (0, FRENCH_BY_POSITION)):
        right = phone.qr(step + offset, "DS1")
        misread = right.translate(swap)
        assert misread != right
        alone = await till.scan(misread)
        assert alone.status_code == 400 and alone.json()["code"] == "qr_invalid"
        response = await till.scan(misread, [right.replace("1", "&", 1), right, "garbage"])
        assert response.status_code == 201, response.text
        assert response.json()["method"] == "qr"
        again = await till.scan(right, [misread])  # the same till rescanning: the same scan
        assert again.json()["scan_id"] == response.json()["scan_id"]
    assert await Scan.count() == 2


async def test_readings_that_are_no_code_are_a_typed_number_and_too_many_are_refused(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    me = (await phone.get("/api/me")).json()
    typed = await till.scan(me["member"]["member_number"], [me["member"]["member_number"]])
    assert typed.status_code == 201 and typed.json()["method"] == "manual"
    code = phone.qr(time_step(clock.now()))
    too_many = await till.scan(code, [code] * 4)
    assert too_many.status_code == 400 and too_many.json()["code"] == "validation_error"
