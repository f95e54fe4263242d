"""The member journey over the API: join, see the card, get scanned and stamped."""

from __future__ import annotations

from collections.abc import Callable

from backend.clock import FrozenClock
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser


async def test_join_scan_and_stamp_shows_on_home(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone, till = new_browser(), new_browser()
    joined = await phone.join("912 34 567", marketing={"push": True})
    assert joined["new_member"] is True
    home = (await phone.get("/api/me")).json()
    assert home["card"]["stamps"] == 0 and home["card"]["capacity"] == 10
    assert home["tier"]["code"] == "bronse"
    assert home["tier_progress"]["remaining"] == 10

    await till.staff_login("kasse1")
    scanned = await till.scan(phone.qr(time_step(clock.now())))
    assert scanned.status_code == 201, scanned.text
    stamped = await till.stamp(scanned.json()["scan_id"])
    assert stamped.status_code == 200, stamped.text
    assert stamped.json()["added"] == 1

    home = (await phone.get("/api/me")).json()
    assert home["card"]["stamps"] == 1
    assert home["activity"][0]["kind"] == "stamp"
    assert home["activity"][0]["store"] == "Sentrum"
