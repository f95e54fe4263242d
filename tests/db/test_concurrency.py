"""Concurrency and retries never double-stamp or double-redeem, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from litestar import Litestar

from backend.accounts.tables import WebSession
from backend.cards.tables import Card, LedgerEntry, Program, Reward
from backend.clock import FrozenClock
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser


class NoLimits:
    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        return None

    async def close(self) -> None:
        return None


async def member_with_nine_stamps(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> tuple[Browser, Browser, str]:
    """A member one stamp short of a full card, and a logged-in till with a fresh scan."""
    await Program.update({Program.daily_cap: 100}).where(Program.id > 0)
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login()
    scan = (await till.scan(phone.qr(time_step(clock.now())))).json()["scan_id"]
    for count in (5, 4):
        assert (await till.stamp(scan, count=count)).status_code == 200
    await Program.update({Program.daily_cap: 3}).where(Program.id > 0)
    clock.advance(hours=14)  # the next day in Oslo: today's cap starts afresh
    await till.staff_login()  # and a new shift
    scan = (await till.scan(phone.qr(time_step(clock.now())))).json()["scan_id"]
    return phone, till, scan


async def test_fifty_concurrent_stamps_on_a_card_one_short_give_exactly_one_reward(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    phone, till, scan = await member_with_nine_stamps(new_browser, clock)
    responses = await asyncio.gather(*[till.stamp(scan) for _ in range(50)])
    statuses = sorted(r.status_code for r in responses)
    # Today's cap (3) admits three stamps; the rest are refused, none is lost or doubled.
    assert statuses.count(200) == 3 and statuses.count(409) == 47
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"daily_cap_reached"}
    assert await Reward.count() == 1
    assert await Card.count().where(Card.status == "completed") == 1
    open_cards = await Card.objects().where(Card.status == "open")
    assert len(open_cards) == 1 and open_cards[0].stamps == 2
    assert (await phone.get("/api/me")).json()["card"]["stamps"] == 2


async def test_twenty_tills_scanning_the_same_member_at_once_stamp_once(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
    app: Litestar,
) -> None:
    phone, _, _ = await member_with_nine_stamps(new_browser, clock)
    number = (await phone.get("/api/me")).json()["member"]["member_number"]
    tills = [new_browser() for _ in range(20)]
    # Each till makes its own scan (member number), then all press "+1" at the same moment.
    # Rate limits are lifted here: this test is about the race, not the limits (tested elsewhere).
    app.state["ctx"].limiter = NoLimits()
    scans = []
    for i, till in enumerate(tills):
        await till.staff_login("kasse1" if i % 2 else "kasse2")
        scans.append((await till.scan(number)).json()["scan_id"])
    responses = await asyncio.gather(*[till.stamp(scan) for till, scan in zip(tills, scans, strict=True)])
    assert all(r.status_code == 200 for r in responses), {r.status_code for r in responses}
    added = [r.json()["added"] for r in responses]
    assert sorted(added) == [0] * 19 + [1]  # the first stamps; every other scan gets the first result
    assert sum(r.json()["duplicate"] for r in responses) == 19
    assert await Reward.count() == 1
    assert await Card.count() == 2


async def test_without_caps_fifty_concurrent_stamps_are_all_counted_once(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    phone, till, scan = await member_with_nine_stamps(new_browser, clock)
    await Program.update({Program.daily_cap: 1000}).where(Program.id > 0)
    responses = await asyncio.gather(*[till.stamp(scan) for _ in range(50)])
    assert all(r.status_code == 200 for r in responses)
    # 9 + 50 = 59 stamps: five full cards, five rewards, nine on the open card. No lost updates.
    assert await Reward.count() == 5
    assert await Card.count().where(Card.status == "completed") == 5
    assert [c.stamps for c in await Card.objects().where(Card.status == "open")] == [9]
    total = await LedgerEntry.select(LedgerEntry.stamps).where(LedgerEntry.kind == "stamp")
    assert sum(r["stamps"] for r in total) == 59


async def test_the_same_idempotency_key_ten_times_at_once_stamps_once_with_identical_responses(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    phone, till, scan = await member_with_nine_stamps(new_browser, clock)
    key = str(uuid.uuid4())
    responses = await asyncio.gather(*[till.stamp(scan, key=key) for _ in range(10)])
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 3  # 5 + 4 yesterday, then this one
    assert await Reward.count() == 1


async def test_concurrent_redemptions_of_one_reward_redeem_it_once(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    phone, till, scan = await member_with_nine_stamps(new_browser, clock)
    reward_id = (await till.stamp(scan)).json()["rewards_issued"][0]["id"]
    responses = await asyncio.gather(
        *[
            till.post("/api/staff/redemptions", {"scan_id": scan, "reward_id": reward_id}, key=str(uuid.uuid4()))
            for _ in range(20)
        ]
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 19
    assert await LedgerEntry.count().where(LedgerEntry.kind == "reward_redeemed") == 1


async def test_three_live_codes_used_at_once_log_in_once(new_browser: Callable[[], Browser]) -> None:
    """Any live code logs in, and using one ends the others: three phones typing the three live codes at
    the same moment make one session (issue 12, item 10.6)."""
    await new_browser().join("91234567")
    phones = [new_browser() for _ in range(3)]
    codes = []
    for phone in phones:
        assert (
            await phone.post("/api/auth/otp/start", {"identifier": "91234567", "purpose": "login"})
        ).status_code == 202
        codes.append(await phone.latest_code("91234567"))
    responses = await asyncio.gather(
        *[
            phone.post(
                "/api/auth/otp/verify",
                {"identifier": "91234567", "code": code, "device_public_key": phone.public_key},
            )
            for phone, code in zip(phones, codes, strict=True)
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 400, 400], [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"code_used"}
    assert await WebSession.count().where(WebSession.revoked_at.is_null()) == 2  # the joiner's and one more
