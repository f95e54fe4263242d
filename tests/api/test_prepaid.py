"""Prepaid klippekort: the owner's products, the till's sale, use, undo and refund, the owner's voids,
what the member sees, the webhooks, the export and the liability report."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from backend.clock import FrozenClock
from backend.club.tables import Store
from backend.integrations.tables import WebhookEvent
from backend.prepaid.tables import PrepaidCard, PrepaidEntry
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser

TEN_COFFEES = {"name": "10 kaffe", "units": 10, "price_ore": 30000, "valid_days": 30}


async def store_id(slug: str) -> int:
    row = await Store.select(Store.id).where(Store.slug == slug).first()
    assert row is not None
    return int(row["id"])


async def product(owner: Browser, **fields: Any) -> dict[str, Any]:
    response = await owner.post("/api/admin/prepaid/products", {**TEN_COFFEES, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def scan(till: Browser, phone: Browser, clock: FrozenClock) -> str:
    clock.advance(seconds=31)  # a fresh QR time step: a code is used once
    response = await till.scan(phone.qr(time_step(clock.now())))
    assert response.status_code == 201, response.text
    return str(response.json()["scan_id"])


async def sell(till: Browser, sid: str, product_id: int, key: str | None = None) -> Any:
    return await till.post(
        "/api/staff/prepaid/sales", {"scan_id": sid, "product_id": product_id}, key=key or str(uuid.uuid4())
    )


async def use(till: Browser, sid: str, card_id: int, key: str | None = None) -> Any:
    return await till.post(
        "/api/staff/prepaid/uses", {"scan_id": sid, "card_id": card_id}, key=key or str(uuid.uuid4())
    )


async def member_with_card(
    new_browser: Callable[[], Browser],
    owner: Browser,
    clock: FrozenClock,
    phone_number: str = "91234567",
    **fields: Any,
) -> tuple[Browser, Browser, str, int]:
    """A member holding a fresh klippekort bought at Sentrum, and the till that sold it (with a scan)."""
    p = await product(owner, **fields)
    phone, till = new_browser(), new_browser()
    await phone.join(phone_number)
    await till.staff_login("kasse1")
    sid = await scan(till, phone, clock)
    sold = await sell(till, sid, p["id"])
    assert sold.status_code == 200, sold.text
    return phone, till, sid, int(sold.json()["card_id"])


def card_in(body: dict[str, Any], card_id: int) -> dict[str, Any]:
    [card] = [c for c in body["cards"] if c["id"] == card_id]
    return dict(card)


async def test_the_owner_defines_a_product_and_ends_it(owner: Browser) -> None:
    sentrum = await store_id("sentrum")
    p = await product(owner, store_ids=[sentrum])
    assert (p["name"], p["units"], p["price_ore"], p["valid_days"], p["store_ids"], p["active"]) == (
        "10 kaffe",
        10,
        30000,
        30,
        [sentrum],
        True,
    )
    listed = (await owner.get("/api/admin/prepaid/products")).json()["products"]
    assert [x["id"] for x in listed] == [p["id"]]
    ended = await owner.post(f"/api/admin/prepaid/products/{p['id']}/end")
    assert ended.status_code == 200 and ended.json()["active"] is False and ended.json()["ended_at"]


async def test_bad_products_are_refused_with_problem_details_and_nothing_is_saved(owner: Browser) -> None:
    for bad in ({"units": 0}, {"price_ore": -1}, {"valid_days": 0}, {"name": ""}, {"store_ids": [99999]}):
        response = await owner.post("/api/admin/prepaid/products", {**TEN_COFFEES, **bad})
        assert response.status_code == 400, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "validation_error"
    assert (await owner.get("/api/admin/prepaid/products")).json()["products"] == []


async def test_staff_cannot_define_products(new_browser: Callable[[], Browser]) -> None:
    till = new_browser()
    await till.staff_login("kasse1")
    response = await till.post("/api/admin/prepaid/products", TEN_COFFEES)
    assert response.status_code == 403
    assert await PrepaidCard.count() == 0


async def test_sell_then_use_down_to_zero_and_the_next_use_is_refused(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(
        new_browser, owner, clock, name="3 kaffe", units=3, price_ore=10000
    )
    shown = (await till.get(f"/api/staff/prepaid/{sid}")).json()
    assert card_in(shown, card_id)["left"] == 3 and card_in(shown, card_id)["usable_here"] is True
    assert [p["name"] for p in shown["products"]] == ["3 kaffe"]
    for left in (2, 1, 0):
        used = await use(till, sid, card_id)
        assert used.status_code == 200, used.text
        assert used.json()["done"] == "use" and card_in(used.json(), card_id)["left"] == left
    refused = await use(till, sid, card_id)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "prepaid_used_up"
    card = await PrepaidCard.objects().where(PrepaidCard.id == card_id).first()
    assert card is not None and card.used == 3
    values = [e["value_ore"] for e in await PrepaidEntry.select().where(PrepaidEntry.kind == "use")]
    assert values == [3333, 3333, 3334]  # the units add up to the price exactly
    assert (await phone.get("/api/me")).json()["prepaid"] == []  # a used-up card leaves the home screen


async def test_the_member_sees_what_is_left_and_when_it_runs_out(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    await use(till, sid, card_id)
    [card] = (await phone.get("/api/me")).json()["prepaid"]
    assert (card["name"], card["units"], card["left"], card["status"], card["stores"]) == (
        "10 kaffe",
        10,
        9,
        "active",
        [],
    )
    # Sold 24 November (Oslo) for 30 days: it works all of 24 December.
    assert card["expires_at"] == "2026-12-24T23:00:00Z"
    history = (await phone.get("/api/me/prepaid")).json()["cards"]
    assert [e["kind"] for e in history[0]["entries"]] == ["sale", "use"]
    assert history[0]["entries"][1]["store"] == "Sentrum" and history[0]["price_ore"] == 30000


async def test_an_expired_card_cannot_be_used(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, _, card_id = await member_with_card(new_browser, owner, clock, valid_days=1)
    clock.advance(days=2)
    await till.staff_login("kasse1")  # a new shift
    sid = await scan(till, phone, clock)
    refused = await use(till, sid, card_id)
    assert refused.status_code == 409 and refused.json()["code"] == "prepaid_expired"
    assert (await phone.get("/api/me")).json()["prepaid"] == []
    [held] = (await phone.get("/api/me/prepaid")).json()["cards"]
    assert held["card"]["status"] == "expired" and held["card"]["left"] == 10


async def test_a_product_works_only_in_its_stores(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    bryggen = await store_id("bryggen")
    only_bryggen = await product(owner, name="Bryggekort", store_ids=[bryggen])
    phone, sentrum_till, bryggen_till = new_browser(), new_browser(), new_browser()
    await phone.join("91234567")
    await sentrum_till.staff_login("kasse1")
    await bryggen_till.staff_login("kasse2")
    sid = await scan(sentrum_till, phone, clock)
    assert (await sentrum_till.get(f"/api/staff/prepaid/{sid}")).json()["products"] == []
    refused = await sell(sentrum_till, sid, only_bryggen["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "prepaid_not_here"
    bid = await scan(bryggen_till, phone, clock)
    card_id = (await sell(bryggen_till, bid, only_bryggen["id"])).json()["card_id"]
    assert (await phone.get("/api/me")).json()["prepaid"][0]["stores"] == ["Bryggen"]
    sid = await scan(sentrum_till, phone, clock)
    shown = (await sentrum_till.get(f"/api/staff/prepaid/{sid}")).json()
    assert card_in(shown, card_id)["usable_here"] is False
    refused = await use(sentrum_till, sid, card_id)
    assert refused.status_code == 403 and refused.json()["code"] == "prepaid_not_here"
    assert (await use(bryggen_till, await scan(bryggen_till, phone, clock), card_id)).status_code == 200


async def test_an_ended_product_is_no_longer_sold_but_sold_cards_keep_working(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    [p] = (await owner.get("/api/admin/prepaid/products")).json()["products"]
    await owner.post(f"/api/admin/prepaid/products/{p['id']}/end")
    refused = await sell(till, sid, p["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "prepaid_product_ended"
    assert (await use(till, sid, card_id)).status_code == 200


async def test_a_typed_member_number_can_buy_but_not_use(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, _, card_id = await member_with_card(new_browser, owner, clock)
    number = (await phone.get("/api/me")).json()["member"]["member_number"]
    typed = (await till.scan(number)).json()["scan_id"]
    refused = await use(till, typed, card_id)
    assert refused.status_code == 403 and refused.json()["code"] == "manual_entry_cannot_redeem"
    [p] = (await owner.get("/api/admin/prepaid/products")).json()["products"]
    assert (await sell(till, typed, p["id"])).status_code == 200


async def test_another_members_card_cannot_be_used(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    _, till, _, card_id = await member_with_card(new_browser, owner, clock)
    other = new_browser()
    await other.join("92345678")
    refused = await use(till, await scan(till, other, clock), card_id)
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    card = await PrepaidCard.objects().where(PrepaidCard.id == card_id).first()
    assert card is not None and card.used == 0


async def test_a_retry_with_the_same_key_returns_the_same_bytes_and_uses_once(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    _, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    key = str(uuid.uuid4())
    first, again = await use(till, sid, card_id, key), await use(till, sid, card_id, key)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    card = await PrepaidCard.objects().where(PrepaidCard.id == card_id).first()
    assert card is not None and card.used == 1
    other_body = await till.post("/api/staff/prepaid/uses", {"scan_id": sid, "card_id": card_id + 1}, key=key)
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_conflict"
    missing = await till.post("/api/staff/prepaid/uses", {"scan_id": sid, "card_id": card_id})
    assert missing.status_code == 400 and missing.json()["code"] == "validation_error"


async def test_undo_the_last_use_at_the_till_gives_the_unit_back_once(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    used = (await use(till, sid, card_id)).json()
    last = used["last_action"]
    assert last["kind"] == "use" and last["card_id"] == card_id
    body = {"scan_id": sid, "entry_id": last["entry_id"], "reason": "feil kort"}
    undone = await till.post("/api/staff/prepaid/undo", body, key=str(uuid.uuid4()))
    assert undone.status_code == 200, undone.text
    assert card_in(undone.json(), card_id)["left"] == 10
    # as with stamps, nothing before an undone action is undone at the till
    assert undone.json()["last_action"] is None
    again = await till.post("/api/staff/prepaid/undo", body, key=str(uuid.uuid4()))
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_undo"
    assert (await phone.get("/api/me")).json()["prepaid"][0]["left"] == 10
    kinds = [e["kind"] for e in (await phone.get("/api/me/prepaid")).json()["cards"][0]["entries"]]
    assert kinds == ["sale", "use", "undo"]


async def test_undo_is_refused_after_five_minutes_and_from_another_store(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    entry_id = (await use(till, sid, card_id)).json()["last_action"]["entry_id"]
    other = new_browser()
    await other.staff_login("kasse2")
    osid = await scan(other, phone, clock)
    body = {"scan_id": osid, "entry_id": entry_id, "reason": "feil"}
    assert (await other.get(f"/api/staff/prepaid/{osid}")).json()["last_action"] is None  # not offered there
    elsewhere = await other.post("/api/staff/prepaid/undo", body, key=str(uuid.uuid4()))
    assert elsewhere.status_code == 403 and elsewhere.json()["code"] == "forbidden"
    clock.advance(minutes=6)
    sid = await scan(till, phone, clock)
    late = await till.post("/api/staff/prepaid/undo", {**body, "scan_id": sid}, key=str(uuid.uuid4()))
    assert late.status_code == 409 and late.json()["code"] == "undo_window_passed"
    card = await PrepaidCard.objects().where(PrepaidCard.id == card_id).first()
    assert card is not None and card.used == 1


async def test_undoing_a_sale_takes_the_card_away(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    entry_id = (await till.get(f"/api/staff/prepaid/{sid}")).json()["last_action"]["entry_id"]
    undone = await till.post(
        "/api/staff/prepaid/undo", {"scan_id": sid, "entry_id": entry_id, "reason": "solgt ved en feil"}, key="u1"
    )
    assert undone.status_code == 200 and card_in(undone.json(), card_id)["status"] == "voided"
    assert (await phone.get("/api/me")).json()["prepaid"] == []
    assert (await use(till, sid, card_id)).json()["code"] == "prepaid_closed"


async def test_the_owner_voids_a_use_once_and_cannot_void_a_sale_in_use(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    await use(till, sid, card_id)
    await use(till, sid, card_id)
    trail = (await owner.get("/api/admin/prepaid/entries")).json()["entries"]
    assert [e["kind"] for e in trail] == ["use", "use", "sale"]
    assert [e["voidable"] for e in trail] == [True, True, False]  # a sale with uses is refunded instead
    assert trail[0]["staff"] == "Kasse1" and trail[0]["store"] == "Sentrum" and trail[0]["value_ore"] == 3000
    voided = await owner.post(
        "/api/admin/prepaid/voids", {"entry_id": trail[0]["id"], "reason": "kunden fikk ikke kaffen"}, key="v1"
    )
    assert voided.status_code == 200, voided.text
    assert voided.json()["left"] == 9 and voided.json()["kind"] == "void"
    twice = await owner.post("/api/admin/prepaid/voids", {"entry_id": trail[0]["id"], "reason": "igjen"}, key="v2")
    assert twice.status_code == 409 and twice.json()["code"] == "already_voided"
    sale = await owner.post("/api/admin/prepaid/voids", {"entry_id": trail[2]["id"], "reason": "feil"}, key="v3")
    assert sale.status_code == 409 and sale.json()["code"] == "prepaid_sale_in_use"
    assert (await phone.get("/api/me")).json()["prepaid"][0]["left"] == 9
    after = (await owner.get("/api/admin/prepaid/entries")).json()["entries"]
    assert after[0]["kind"] == "void" and after[0]["reverses"] == trail[0]["id"]
    assert after[1]["reversed_by"] == after[0]["id"] and after[1]["voidable"] is False


async def test_a_refund_returns_what_is_left_once_with_a_reason(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    for _ in range(4):
        await use(till, sid, card_id)
    no_reason = await till.post(
        "/api/staff/prepaid/refunds", {"scan_id": sid, "card_id": card_id, "reason": " "}, key=str(uuid.uuid4())
    )
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "validation_error"
    refunded = await till.post(
        "/api/staff/prepaid/refunds",
        {"scan_id": sid, "card_id": card_id, "reason": "flytter fra byen"},
        key=str(uuid.uuid4()),
    )
    assert refunded.status_code == 200, refunded.text
    assert card_in(refunded.json(), card_id)["status"] == "refunded"
    [entry] = await PrepaidEntry.select().where(PrepaidEntry.kind == "refund")
    assert (entry["units"], entry["value_ore"], entry["reason"]) == (6, 18000, "flytter fra byen")
    again = await owner.post("/api/admin/prepaid/refunds", {"card_id": card_id, "reason": "igjen"}, key="r2")
    assert again.status_code == 409 and again.json()["code"] == "prepaid_closed"
    assert (await use(till, sid, card_id)).json()["code"] == "prepaid_closed"
    assert (await phone.get("/api/me")).json()["prepaid"] == []
    trail = (await owner.get("/api/admin/prepaid/entries")).json()["entries"]
    assert trail[0]["kind"] == "refund" and not any(e["voidable"] for e in trail)  # a closed card changes no more


async def test_sale_use_refund_and_void_send_webhooks_and_are_in_the_export(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    events = ["prepaid.sold", "prepaid.used", "prepaid.undone", "prepaid.refunded", "prepaid.voided"]
    hook = await owner.post("/api/admin/webhooks", {"url": "http://127.0.0.1:9/hook", "events": events})
    assert hook.status_code == 201, hook.text
    phone, till, sid, card_id = await member_with_card(new_browser, owner, clock)
    await use(till, sid, card_id)
    await use(till, sid, card_id)
    use_id = (await owner.get("/api/admin/prepaid/entries")).json()["entries"][0]["id"]
    await owner.post("/api/admin/prepaid/voids", {"entry_id": use_id, "reason": "feil"}, key="v1")
    await owner.post("/api/admin/prepaid/refunds", {"card_id": card_id, "reason": "flytter"}, key="r1")
    rows = await WebhookEvent.select().order_by(WebhookEvent.id).output(load_json=True)
    assert [r["event"] for r in rows] == [
        "prepaid.sold",
        "prepaid.used",
        "prepaid.used",
        "prepaid.voided",
        "prepaid.refunded",
    ]
    number = (await phone.get("/api/me")).json()["member"]["member_number"]
    refund = rows[-1]["payload"]["data"]
    assert refund["member_number"] == number and refund["units"] == 9 and refund["value_ore"] == 27000
    assert "phone" not in str(rows) and "91234567" not in str(rows)
    exported = (await phone.get("/api/me/export")).json()
    [card] = exported["prepaid_cards"]
    assert card["card"]["status"] == "refunded"
    assert [e["kind"] for e in card["entries"]] == ["sale", "use", "use", "void", "refund"]


async def test_the_liability_report_for_a_worked_example(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    """Kari buys 10 kaffe for 300 kr at Sentrum on 24 November and uses 3 there, and one at Bryggen in
    December; the rest expire on 25 December. Ola buys 3 for 100 kr at Bryggen, uses one, and has the
    other two refunded in December. Every movement counts at the store that sold the card."""
    bryggen = await store_id("bryggen")
    kari, sentrum_till, sid, kari_card = await member_with_card(new_browser, owner, clock)
    small = await product(owner, name="3 kaffe", units=3, price_ore=10000, store_ids=[bryggen])
    ola, bryggen_till = new_browser(), new_browser()
    await ola.join("92345678")
    await bryggen_till.staff_login("kasse2")
    for _ in range(3):
        assert (await use(sentrum_till, sid, kari_card)).status_code == 200
    bid = await scan(bryggen_till, ola, clock)
    ola_card = (await sell(bryggen_till, bid, small["id"])).json()["card_id"]
    assert (await use(bryggen_till, bid, ola_card)).status_code == 200
    clock.advance(days=11)  # 5 December
    await bryggen_till.staff_login("kasse2")
    assert (await use(bryggen_till, await scan(bryggen_till, kari, clock), kari_card)).status_code == 200
    refund = {"scan_id": await scan(bryggen_till, ola, clock), "card_id": ola_card, "reason": "flytter"}
    assert (await bryggen_till.post("/api/staff/prepaid/refunds", refund, key="r1")).status_code == 200
    clock.advance(days=36)  # 10 January 2027: Kari's card ran out at midnight on 25 December
    await owner.staff_login("eier")
    response = await owner.get("/api/admin/prepaid/liability", params={"from": "2026-11", "to": "2027-01"})
    assert response.status_code == 200, response.text
    rows = response.json()
    table = [
        (
            r["month"],
            r["store"],
            r["sold_units"],
            r["sold_ore"],
            r["used_units"],
            r["used_ore"],
            r["refunded_units"],
            r["refunded_ore"],
            r["expired_units"],
            r["expired_ore"],
            r["outstanding_units"],
            r["outstanding_ore"],
        )
        for r in rows
    ]
    assert table == [
        ("2026-11", "Bryggen", 3, 10000, 1, 3333, 0, 0, 0, 0, 2, 6667),
        ("2026-11", "Sentrum", 10, 30000, 3, 9000, 0, 0, 0, 0, 7, 21000),
        ("2026-12", "Bryggen", 0, 0, 0, 0, 2, 6667, 0, 0, 0, 0),
        ("2026-12", "Sentrum", 0, 0, 1, 3000, 0, 0, 6, 18000, 0, 0),
    ]
    csv = await owner.get("/api/admin/prepaid/liability.csv", params={"from": "2026-11", "to": "2027-01"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="klippekort-gjeld-2026-11-2027-01.csv"' in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Måned;Butikk;Solgt (klipp);Solgt (kr)")
    assert lines[1] == "2026-11;Bryggen;3;100,0;1;33,33;0;0,0;0;0,0;2;66,67"
    assert lines[4] == "2026-12;Sentrum;0;0,0;1;30,0;0;0,0;6;180,0;0;0,0"
    english = await owner.get("/api/admin/prepaid/liability.csv", params={"from": "2026-11", "lang": "en"})
    assert english.content.decode("utf-8-sig").startswith("Month;Store;Sold (units)")
    bad = await owner.get("/api/admin/prepaid/liability.csv", params={"from": "2026-13"})
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    backwards = await owner.get("/api/admin/prepaid/liability", params={"from": "2027-01", "to": "2026-11"})
    assert backwards.status_code == 400


async def test_a_scan_is_used_only_by_the_till_that_made_it_and_members_cannot_act(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, _, sid, card_id = await member_with_card(new_browser, owner, clock)
    other_till = new_browser()
    await other_till.staff_login("kasse1")
    shown = await other_till.get(f"/api/staff/prepaid/{sid}")
    assert shown.status_code == 404 and shown.json()["code"] == "scan_expired"
    refused = await use(other_till, sid, card_id)
    assert refused.status_code == 404 and refused.json()["code"] == "scan_expired"
    by_member = await use(phone, sid, card_id)
    assert by_member.status_code == 403 and by_member.json()["code"] == "forbidden"
    assert (await phone.get("/api/admin/prepaid/entries")).status_code in (401, 403)
    card = await PrepaidCard.objects().where(PrepaidCard.id == card_id).first()
    assert card is not None and card.used == 0
