"""The last unit of a klippekort is used once, however many tills press at once and however often a
till retries, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from backend.clock import FrozenClock
from backend.prepaid.tables import PrepaidCard, PrepaidEntry
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser


async def test_two_tills_and_retries_at_once_use_the_last_unit_exactly_once(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    owner = new_browser()
    await owner.staff_login("eier")
    product = await owner.post(
        "/api/admin/prepaid/products", {"name": "2 kaffe", "units": 2, "price_ore": 6000, "valid_days": 30}
    )
    phone, first, second = new_browser(), new_browser(), new_browser()
    await phone.join("91234567")
    await first.staff_login("kasse1")
    await second.staff_login("kasse1")  # two till sessions of the same store
    step = time_step(clock.now())
    scan_a = (await first.scan(phone.qr(step))).json()["scan_id"]
    scan_b = (await second.scan(phone.qr(step + 1))).json()["scan_id"]
    sold = await first.post(
        "/api/staff/prepaid/sales", {"scan_id": scan_a, "product_id": product.json()["id"]}, key=str(uuid.uuid4())
    )
    card_id = sold.json()["card_id"]
    one = await first.post("/api/staff/prepaid/uses", {"scan_id": scan_a, "card_id": card_id}, key=str(uuid.uuid4()))
    assert one.status_code == 200  # one unit left

    retried = str(uuid.uuid4())

    def press(till: Browser, scan: str, key: str) -> asyncio.Future[object]:
        return asyncio.ensure_future(
            till.post("/api/staff/prepaid/uses", {"scan_id": scan, "card_id": card_id}, key=key)
        )

    calls = [press(first, scan_a, retried) for _ in range(6)]
    calls += [press(first, scan_a, str(uuid.uuid4())) for _ in range(6)]
    calls += [press(second, scan_b, str(uuid.uuid4())) for _ in range(6)]
    responses = await asyncio.gather(*calls)
    statuses = [r.status_code for r in responses]  # type: ignore[attr-defined]
    assert set(statuses) <= {200, 409}, statuses
    refused = {r.json()["code"] for r in responses if r.status_code == 409}  # type: ignore[attr-defined]
    assert refused <= {"prepaid_used_up", "idempotency_in_flight"}
    winners = {r.content for r in responses if r.status_code == 200}  # type: ignore[attr-defined]
    assert len(winners) == 1  # one use answered 200 (the retried key's twins answer its very bytes)
    card = await PrepaidCard.objects().where(PrepaidCard.id == card_id).first()
    assert card is not None and card.used == 2
    assert await PrepaidEntry.count().where(PrepaidEntry.kind == "use") == 2
    assert (await phone.get("/api/me")).json()["prepaid"] == []
