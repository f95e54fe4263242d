"""Points never go below zero, however many tills spend at once and however often a till retries,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from backend.clock import FrozenClock
from backend.points import ledger
from backend.points.tables import PointsEntry
from digital_stampcard.points import Lot
from tests.api.helpers import Browser
from tests.api.test_points import add_item, earn, member_and_till, scan, set_up, spend


async def test_two_tills_and_retries_at_once_spend_the_points_there_are_once(
    new_browser: Callable[[], Browser], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_lots = ledger.lots_of

    async def slow_lots(member_id: int) -> list[Lot]:
        # Widens the gap between reading the balance and writing the spend, so that without the
        # member's lock every spend here would read 30 points and the balance would go negative.
        lots = await read_lots(member_id)
        await asyncio.sleep(0.02)
        return lots

    monkeypatch.setattr(ledger, "lots_of", slow_lots)
    owner = new_browser()
    await owner.staff_login("eier")
    await set_up(owner, refund_window_days=0)
    item = await add_item(owner, cost=20)
    phone, first = await member_and_till(new_browser)
    second = new_browser()
    await second.staff_login("kasse1")  # a second till session of the same store
    assert (await earn(first, await scan(first, phone, clock), 30_000)).status_code == 200  # 30 points: one spend
    scan_a, scan_b = await scan(first, phone, clock), await scan(second, phone, clock)

    retried = str(uuid.uuid4())

    def press(till: Browser, scan_id: str, key: str) -> asyncio.Future[Any]:
        return asyncio.ensure_future(spend(till, scan_id, item, key))

    calls = [press(first, scan_a, retried) for _ in range(6)]
    calls += [press(first, scan_a, str(uuid.uuid4())) for _ in range(6)]
    calls += [press(second, scan_b, str(uuid.uuid4())) for _ in range(6)]
    responses = await asyncio.gather(*calls)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {
        "insufficient_points",
        "idempotency_in_flight",
    }
    assert len({r.content for r in responses if r.status_code == 200}) == 1  # one spend; its retries answer it
    spent = await PointsEntry.select(PointsEntry.points).where(PointsEntry.kind == "spend")
    assert sum(r["points"] for r in spent) == -20
    assert (await phone.get("/api/me/points")).json()["balance"]["confirmed"] == 10
