"""Points: the owner's program and catalogue, earning at the till for a purchase, the refund window,
spending on a reward, and what the member sees."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from litestar import Litestar

from backend.clock import FrozenClock
from backend.points import expiry
from backend.points.tables import PointsEntry
from backend.push.tables import Notification
from digital_stampcard import webhooks
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser
from tests.api.test_pos_api import member as pos_member
from tests.api.test_pos_api import pos_for, stamp_by_amount
from tests.api.test_profile_and_devices import full_profile

PROGRAM = {"name": "Kaffepoeng", "ore_per_point": 1000, "refund_window_days": 14, "expiry_days": 365}


async def put(browser: Browser, url: str, body: Any) -> Any:
    await browser.ensure_csrf()
    return await browser.client.put(url, json=body, headers={"x-csrftoken": browser.csrf or ""})


async def set_up(owner: Browser, **program: Any) -> None:
    response = await put(owner, "/api/admin/points", {**PROGRAM, **program})
    assert response.status_code == 200, response.text


async def add_item(owner: Browser, **item: Any) -> int:
    response = await owner.post("/api/admin/points/items", {"name": "Kanelbolle", "cost": 20, **item})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def scan(till: Browser, phone: Browser, clock: FrozenClock) -> str:
    clock.advance(seconds=31)  # a fresh QR time step: a code is used once
    response = await till.scan(phone.qr(time_step(clock.now())))
    assert response.status_code == 201, response.text
    return str(response.json()["scan_id"])


async def earn(till: Browser, scan_id: str, amount_ore: int, key: str | None = None) -> Any:
    body = {"scan_id": scan_id, "amount_ore": amount_ore}
    return await till.post("/api/staff/points/earnings", body, key=key or str(uuid.uuid4()))


async def spend(till: Browser, scan_id: str, item_id: int, key: str | None = None) -> Any:
    body = {"scan_id": scan_id, "item_id": item_id}
    return await till.post("/api/staff/points/spends", body, key=key or str(uuid.uuid4()))


async def member_and_till(new_browser: Callable[[], Browser]) -> tuple[Browser, Browser]:
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    return phone, till


async def test_the_owner_sets_up_the_program_and_the_catalogue(owner: Browser) -> None:
    assert (await owner.get("/api/admin/points")).json() == {"program": None, "items": []}
    await set_up(owner, action_points={"profile_completed": 50})
    await add_item(owner, stock=5)
    shown = (await owner.get("/api/admin/points")).json()
    assert shown["program"]["name"] == "Kaffepoeng" and shown["program"]["action_points"] == {"profile_completed": 50}
    assert [(i["name"], i["cost"], i["stock"]) for i in shown["items"]] == [("Kanelbolle", 20, 5)]
    await set_up(owner, name="Poeng")  # saved again: the same program, changed
    assert (await owner.get("/api/admin/points")).json()["program"]["name"] == "Poeng"


async def test_wrong_settings_and_items_are_refused_with_one_line(owner: Browser) -> None:
    for body, word in [
        ({**PROGRAM, "ore_per_point": 0}, "amount per point"),
        ({**PROGRAM, "action_points": {"dancing": 5}}, "Unknown action"),
        ({**PROGRAM, "expiry_days": 30, "reminder_days": 40}, "reminder"),
    ]:
        response = await put(owner, "/api/admin/points", body)
        assert response.status_code == 400 and word in response.json()["detail"], response.text
    for item, word in [({"cost": 0}, "cost"), ({"name": " "}, "name"), ({"picture_url": "javascript:x"}, "picture")]:
        response = await owner.post("/api/admin/points/items", {"name": "Bolle", "cost": 10, **item})
        assert response.status_code == 400 and word in response.json()["detail"], response.text
    assert (await owner.get("/api/admin/points")).json() == {"program": None, "items": []}


async def test_a_purchase_earns_pending_points_that_can_be_spent_after_the_refund_window(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await set_up(owner)
    item = await add_item(owner)
    phone, till = await member_and_till(new_browser)
    earned = await earn(till, await scan(till, phone, clock), 24_900)  # 249 NOK: 24 points, 9 NOK not carried
    assert earned.status_code == 200, earned.text
    assert earned.json()["earned"] == 24 and earned.json()["balance"]["pending"] == 24
    home = (await phone.get("/api/me")).json()["points"]
    assert home["program_name"] == "Kaffepoeng" and home["balance"]["pending"] == 24
    refused = await spend(till, await scan(till, phone, clock), item)
    assert refused.status_code == 409 and refused.json()["code"] == "insufficient_points", refused.text
    clock.advance(days=15)
    await till.staff_login("kasse1")  # a new working day
    mine = (await phone.get("/api/me/points")).json()
    assert mine["balance"] == {"confirmed": 24, "pending": 0, "expiring": 0, "expiring_at": None}
    assert [i["name"] for i in mine["catalogue"]] == ["Kanelbolle"]
    spent = await spend(till, await scan(till, phone, clock), item)
    assert spent.status_code == 200 and spent.json()["spent"] == 20, spent.text
    assert spent.json()["balance"]["confirmed"] == 4
    history = (await phone.get("/api/me/points")).json()["history"]
    assert [(h["kind"], h["points"], h["reason"]) for h in history] == [
        ("spend", -20, "Kanelbolle"),
        ("earn", 24, "purchase"),
    ]


async def test_a_retry_earns_once_and_answers_the_same_bytes(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await set_up(owner)
    phone, till = await member_and_till(new_browser)
    scan_id, key = await scan(till, phone, clock), str(uuid.uuid4())
    first, again = await earn(till, scan_id, 10_000, key), await earn(till, scan_id, 10_000, key)
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert await PointsEntry.count().where(PointsEntry.kind == "earn") == 1


async def test_only_the_members_qr_spends_and_the_last_in_stock_goes_once(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await set_up(owner, refund_window_days=0)  # points to spend at once
    item = await add_item(owner, stock=1)
    phone, till = await member_and_till(new_browser)
    await earn(till, await scan(till, phone, clock), 100_000)
    member_number = (await phone.get("/api/me")).json()["member"]["member_number"]
    typed = (await till.scan(member_number)).json()["scan_id"]
    refused = await spend(till, typed, item)
    assert refused.status_code == 403 and refused.json()["code"] == "manual_entry_cannot_redeem", refused.text
    assert (await spend(till, await scan(till, phone, clock), item)).status_code == 200
    gone = await spend(till, await scan(till, phone, clock), item)
    assert gone.status_code == 409 and gone.json()["code"] == "item_not_available", gone.text
    assert (await phone.get("/api/me/points")).json()["balance"]["confirmed"] == 80


async def test_a_small_purchase_earns_nothing_and_says_what_a_point_costs(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await set_up(owner)
    phone, till = await member_and_till(new_browser)
    response = await earn(till, await scan(till, phone, clock), 999)
    assert response.status_code == 400 and response.json()["code"] == "amount_too_small", response.text
    assert "10 NOK" in response.json()["detail"]
    assert await PointsEntry.count() == 0


async def test_without_a_program_the_member_and_the_till_are_told_so(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    assert (await phone.get("/api/me/points")).json()["code"] == "no_points_program"
    assert (await phone.get("/api/me")).json()["points"] is None
    response = await earn(till, await scan(till, phone, clock), 10_000)
    assert response.status_code == 404 and response.json()["code"] == "no_points_program", response.text


async def test_a_refund_takes_back_what_the_purchase_earned_and_never_below_zero(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await set_up(owner, refund_window_days=0)
    item = await add_item(owner, cost=20)
    phone, till = await member_and_till(new_browser)
    await earn(till, await scan(till, phone, clock), 100_000)  # 100 points, the refunded purchase
    clock.advance(minutes=1)
    await earn(till, await scan(till, phone, clock), 10_000)  # 10 more
    await spend(till, await scan(till, phone, clock), item)  # 20 spent from the first (it expires first)
    first = await PointsEntry.select(PointsEntry.id).where(PointsEntry.kind == "earn").order_by(PointsEntry.id).first()
    assert first is not None
    body, key = {"entry_id": first["id"], "reason": "Varen ble returnert"}, str(uuid.uuid4())
    taken = await owner.post("/api/admin/points/reversals", body, key=key)
    assert taken.status_code == 200, taken.text
    # 80 left in it, and of the 20 spent from it 10 come from the other points: 10 were not there.
    assert (taken.json()["taken"], taken.json()["shortfall"], taken.json()["balance"]["confirmed"]) == (90, 10, 0)
    again = await owner.post("/api/admin/points/reversals", body, key=key)
    assert again.content == taken.content  # a retry answers the first answer
    twice = await owner.post("/api/admin/points/reversals", body, key=str(uuid.uuid4()))
    assert twice.status_code == 409 and twice.json()["code"] == "already_reversed", twice.text
    kinds = [h["kind"] for h in (await phone.get("/api/me/points")).json()["history"]]
    assert kinds[0] == "reverse" and "spend" in kinds


async def test_what_is_left_expires_once_after_one_reminder(
    app: Litestar, owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    ctx = app.state["ctx"]
    await set_up(owner, refund_window_days=0, expiry_days=30, reminder_days=7)
    item = await add_item(owner, cost=20)
    phone, till = await member_and_till(new_browser)
    await earn(till, await scan(till, phone, clock), 50_000)  # 50 points
    await spend(till, await scan(till, phone, clock), item)  # 30 left
    assert await expiry.expire_and_remind(ctx, clock.now()) == 0  # nothing near its date yet
    clock.advance(days=25)
    assert await expiry.expire_and_remind(ctx, clock.now()) == 1
    assert await expiry.expire_and_remind(ctx, clock.now()) == 0  # the reminder goes once
    [reminder] = (
        await Notification.select(Notification.data)
        .where(Notification.kind == "points_expiring")
        .output(load_json=True)
    )
    assert reminder["data"]["points"] == 30 and reminder["data"]["days"] == 5
    assert (await phone.get("/api/me/points")).json()["balance"]["expiring"] == 30
    clock.advance(days=6)
    assert await expiry.expire_and_remind(ctx, clock.now()) == 1
    assert await expiry.expire_and_remind(ctx, clock.now()) == 0  # expired once
    mine = (await phone.get("/api/me/points")).json()
    assert mine["balance"]["confirmed"] == 0
    assert [(h["kind"], h["points"]) for h in mine["history"]][0] == ("expire", -30)


async def test_a_pos_receipt_earns_points_once_and_its_void_takes_them_back(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    await set_up(owner)
    await stamp_by_amount(ore_per_stamp=10000, daily_cap=10)
    phone, number = await pos_member(new_browser)
    pos = await pos_for(owner, new_browser)
    bought = await pos.purchase("K7-1", 25_000, member_number=number)
    assert bought.status_code == 200, bought.text
    assert (bought.json()["stamps_added"], bought.json()["points_earned"]) == (2, 25)
    again = (await pos.purchase("K7-1", 25_000, member_number=number)).json()
    assert again["duplicate"] is True and again["points_earned"] == 25
    assert await PointsEntry.count().where(PointsEntry.kind == "earn") == 1
    assert (await phone.get("/api/me/points")).json()["balance"]["pending"] == 25
    voided = (await pos.post("/purchases/K7-1/void", {"reason": "Varen ble returnert"})).json()
    assert (voided["stamps_voided"], voided["points_reversed"]) == (2, 25)
    twice = (await pos.post("/purchases/K7-1/void", {"reason": "Varen ble returnert"})).json()
    assert twice["already_voided"] is True and twice["points_reversed"] == 0
    assert (await phone.get("/api/me/points")).json()["balance"]["pending"] == 0


async def test_completing_the_profile_earns_the_action_points_once(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    await set_up(owner, action_points={"profile_completed": 50})
    phone = new_browser()
    await phone.join("91234567")
    assert (await phone.patch("/api/me/profile", await full_profile())).status_code == 200
    assert (await phone.patch("/api/me/profile", {"first_name": "Kari Nordmann"})).status_code == 200
    mine = (await phone.get("/api/me/points")).json()
    assert mine["balance"]["confirmed"] == 50  # an action's points need no refund window
    assert [(h["kind"], h["points"], h["reason"]) for h in mine["history"]] == [("earn", 50, "profile_completed")]
    exported = (await phone.get("/api/me/export")).json()["points"]  # Min side's export holds every row
    assert [(e["kind"], e["points"], e["reason"]) for e in exported] == [("earn", 50, "profile_completed")]


async def test_the_owner_can_subscribe_a_webhook_to_every_event_points_included(owner: Browser) -> None:
    every = list(webhooks.EVENTS)
    assert {"points.earned", "points.spent"} <= set(every) and len(every) > 10
    response = await owner.post("/api/admin/webhooks", {"url": "http://127.0.0.1:9/hook", "events": every})
    assert response.status_code == 201, response.text
    assert response.json()["events"] == every


async def test_a_receipt_whose_stamps_the_cap_took_still_gives_back_its_points(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    await set_up(owner)
    await stamp_by_amount(ore_per_stamp=10000, daily_cap=1)
    phone, number = await pos_member(new_browser)
    pos = await pos_for(owner, new_browser)
    assert (await pos.purchase("K8-1", 10_000, member_number=number)).json()["stamps_added"] == 1
    capped = (await pos.purchase("K8-2", 30_000, member_number=number)).json()
    assert (capped["capped"], capped["stamps_added"], capped["points_earned"]) == (True, 0, 30)
    voided = await pos.post("/purchases/K8-2/void", {"reason": "Varen ble returnert"})
    assert voided.status_code == 200, voided.text
    assert (voided.json()["stamps_voided"], voided.json()["points_reversed"], voided.json()["already_voided"]) == (
        0,
        30,
        False,
    )
    again = (await pos.post("/purchases/K8-2/void", {"reason": "Varen ble returnert"})).json()
    assert (again["points_reversed"], again["already_voided"]) == (0, True)
    assert (await phone.get("/api/me/points")).json()["balance"]["pending"] == 10  # K8-1's points stay
    assert (await pos.post("/purchases/NOPE/void", {"reason": "retur"})).status_code == 404
