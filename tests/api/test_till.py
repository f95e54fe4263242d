"""The till: scanning a member QR, stamping, rewards, redemption, undo, and what must be refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from backend.cards.tables import Card, LedgerEntry, Program, Reward, Scan
from backend.clock import FrozenClock
from digital_stampcard import member_qr
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser


async def member_and_till(new_browser: Callable[[], Browser], username: str = "kasse1") -> tuple[Browser, Browser]:
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login(username)
    return phone, till


async def scan_id(till: Browser, phone: Browser, clock: FrozenClock, offset: int = 0) -> str:
    response = await till.scan(phone.qr(time_step(clock.now()) + offset))
    assert response.status_code == 201, response.text
    return str(response.json()["scan_id"])


async def fill_card(till: Browser, sid: str) -> dict[str, Any]:
    """Ten stamps on one scan (the test lifts the daily cap first); returns the filling response."""
    await till.stamp(sid, count=5)
    return dict((await till.stamp(sid, count=5)).json())


async def stamp_visits(till: Browser, phone: Browser, clock: FrozenClock, visits: int) -> None:
    """One stamp per visit, a few minutes apart (outside the duplicate window)."""
    for _ in range(visits):
        assert (await till.stamp(await scan_id(till, phone, clock))).status_code == 200
        clock.advance(minutes=2)


async def test_scan_shows_the_cashier_what_they_need(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone, till = await member_and_till(new_browser)
    await phone.patch("/api/me/profile", {"first_name": "Kari"})
    response = await till.scan(phone.qr(time_step(clock.now())))
    body = response.json()
    assert body["method"] == "qr" and body["can_redeem"] is True
    assert body["member"]["first_name"] == "Kari"
    assert body["member"]["tier"] == {"code": "bronse", "name": "Bronse"}
    assert body["card"] == {"program_name": "Kaffekortet", "stamps": 0, "capacity": 10, "reward_text": "Gratis kaffe"}


async def test_forged_qr_is_refused_and_nothing_is_written(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    forger = ec.generate_private_key(ec.SECP256R1())
    assert phone.device_id
    forged = member_qr.sign_token(forger, phone.device_id, time_step(clock.now()))
    response = await till.scan(forged)
    assert response.status_code == 400 and response.json()["code"] == "qr_invalid"
    garbage = await till.scan("DS1" + "A" * 120)
    assert garbage.status_code == 400 and garbage.json()["code"] == "qr_invalid"
    assert await Scan.count() == 0


async def test_expired_qr_is_refused(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone, till = await member_and_till(new_browser)
    old = phone.qr(time_step(clock.now()) - 3)
    response = await till.scan(old)
    # Signed right but made for another time: the till is told the phone's clock is off.
    assert response.status_code == 400 and response.json()["code"] == "qr_clock_off"
    assert await Scan.count() == 0


async def test_replayed_screenshot_is_refused_but_the_same_till_rescanning_gets_the_same_scan(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    phone, till = await member_and_till(new_browser)
    now_step = time_step(clock.now())
    screenshot = phone.qr(now_step - 1)
    fresh = phone.qr(now_step)
    first = await till.scan(fresh)
    again = await till.scan(fresh)  # a handheld scanner reading twice
    assert again.json()["scan_id"] == first.json()["scan_id"]
    other_till = new_browser()
    await other_till.staff_login("kasse2")
    replay = await other_till.scan(fresh)
    assert replay.status_code == 409 and replay.json()["code"] == "qr_replayed"
    older = await other_till.scan(screenshot)  # taken before the code that was used
    assert older.status_code == 409 and older.json()["code"] == "qr_replayed"
    assert await Scan.count() == 1


async def test_stamp_lands_on_the_card_with_a_full_ledger_row(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    key = str(uuid.uuid4())
    response = await till.stamp(sid, key=key)
    assert response.status_code == 200
    assert response.json()["scan"]["card"]["stamps"] == 1
    entry = await LedgerEntry.objects().where(LedgerEntry.kind == "stamp").first()
    assert entry is not None
    assert entry.staff is not None and entry.store is not None and entry.actor_role == "staff"
    assert entry.idempotency_key == key and entry.ip and entry.device is not None and entry.created_at == clock.now()


async def test_overflow_issues_the_reward_and_opens_the_next_card(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    for _ in range(2):
        await till.stamp(sid, count=4)
    response = await till.stamp(sid, count=4)  # 8 + 4 = one full card and 2 on the next
    body = response.json()
    assert body["added"] == 4
    assert [r["title"] for r in body["rewards_issued"]] == ["Gratis kaffe"]
    assert body["rewards_issued"][0]["expires_at"].startswith((clock.now() + timedelta(days=30)).date().isoformat())
    assert body["scan"]["card"]["stamps"] == 2
    home = (await phone.get("/api/me")).json()
    assert home["card"]["stamps"] == 2 and len(home["rewards"]) == 1
    assert await Card.count().where(Card.status == "completed") == 1


async def test_policy_change_applies_to_new_cards_only(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    await till.stamp(sid, count=5)
    await Program.update({Program.capacity: 6, Program.reward_text: "Gratis bolle"}).where(Program.id > 0)
    body = (await till.stamp(sid, count=5)).json()  # the old card still needs 10
    assert body["rewards_issued"][0]["title"] == "Gratis kaffe"
    assert body["scan"]["card"] == {
        "program_name": "Kaffekortet",
        "stamps": 0,
        "capacity": 6,
        "reward_text": "Gratis bolle",
    }


async def test_daily_cap_holds_and_resets_the_next_oslo_day(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    capped = (await till.stamp(sid, count=5)).json()
    assert capped["added"] == 3 and capped["capped"] is True
    refused = await till.stamp(sid)
    assert refused.status_code == 409 and refused.json()["code"] == "daily_cap_reached"
    clock.advance(hours=14)  # 10:00 UTC + 14 h = 01:00 the next day in Oslo
    await till.staff_login()  # the shift's session has ended
    sid = await scan_id(till, phone, clock)
    assert (await till.stamp(sid)).json()["added"] == 1


async def test_second_scan_within_a_minute_returns_the_first_result(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    await till.stamp(await scan_id(till, phone, clock))
    clock.advance(seconds=31)
    second = (await till.stamp(await scan_id(till, phone, clock))).json()
    assert second["duplicate"] is True and second["added"] == 0 and second["scan"]["card"]["stamps"] == 1
    clock.advance(seconds=31)
    third = (await till.stamp(await scan_id(till, phone, clock))).json()
    assert third["duplicate"] is False and third["scan"]["card"]["stamps"] == 2


async def test_reward_is_redeemed_exactly_once(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    reward_id = (await fill_card(till, sid))["rewards_issued"][0]["id"]
    clock.advance(minutes=1)
    sid = await scan_id(till, phone, clock)
    redeemed = await till.post(
        "/api/staff/redemptions", {"scan_id": sid, "reward_id": reward_id}, key=str(uuid.uuid4())
    )
    assert redeemed.status_code == 200 and redeemed.json()["reward"]["status"] == "redeemed"
    again = await till.post("/api/staff/redemptions", {"scan_id": sid, "reward_id": reward_id}, key=str(uuid.uuid4()))
    assert again.status_code == 409 and again.json()["code"] == "reward_not_active"
    assert await LedgerEntry.count().where(LedgerEntry.kind == "reward_redeemed") == 1
    assert (await phone.get("/api/me")).json()["rewards"] == []


async def test_expired_reward_cannot_be_redeemed(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    reward_id = (await fill_card(till, sid))["rewards_issued"][0]["id"]
    clock.advance(days=31)
    await till.staff_login()
    sid = await scan_id(till, phone, clock)
    response = await till.post(
        "/api/staff/redemptions", {"scan_id": sid, "reward_id": reward_id}, key=str(uuid.uuid4())
    )
    assert response.status_code == 409 and response.json()["code"] == "reward_expired"


async def test_undo_within_five_minutes_restores_card_and_revokes_reward(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    done = await fill_card(till, sid)
    last = done["scan"]["last_action"]
    assert last["kind"] == "stamp"
    clock.advance(minutes=4)
    undone = await till.post(
        "/api/staff/undo",
        {"scan_id": sid, "ledger_id": last["ledger_id"], "reason": "feiltrykk"},
        key=str(uuid.uuid4()),
    )
    assert undone.status_code == 200, undone.text
    assert undone.json()["scan"]["card"]["stamps"] == 5 and undone.json()["scan"]["rewards"] == []
    reward = await Reward.objects().first()
    assert reward is not None and reward.status == "revoked" and reward.revoked_reason == "feiltrykk"
    home = (await phone.get("/api/me")).json()
    assert (
        home["card"]["stamps"] == 5
        and home["activity"][0]["kind"] == "undo"
        and home["activity"][0]["reason"] == "feiltrykk"
    )
    again = await till.post(
        "/api/staff/undo", {"scan_id": sid, "ledger_id": last["ledger_id"], "reason": "igjen"}, key=str(uuid.uuid4())
    )
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_undo"
    # the undone stamps no longer count towards the daily cap: 5 + 5 more fit under the cap of 20
    assert (await till.stamp(sid, count=5)).json()["scan"]["card"]["stamps"] == 0


async def test_undo_window_is_five_minutes(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    ledger_id = (await till.stamp(sid)).json()["scan"]["last_action"]["ledger_id"]
    clock.advance(minutes=5, seconds=1)
    sid = await scan_id(till, phone, clock)
    response = await till.post(
        "/api/staff/undo", {"scan_id": sid, "ledger_id": ledger_id, "reason": "for sent"}, key=str(uuid.uuid4())
    )
    assert response.status_code == 409 and response.json()["code"] == "undo_window_passed"
    assert (await phone.get("/api/me")).json()["card"]["stamps"] == 1


async def test_undo_a_redemption_makes_the_reward_usable_again(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    reward_id = (await fill_card(till, sid))["rewards_issued"][0]["id"]
    redeemed = (
        await till.post("/api/staff/redemptions", {"scan_id": sid, "reward_id": reward_id}, key=str(uuid.uuid4()))
    ).json()
    ledger_id = redeemed["scan"]["last_action"]["ledger_id"]
    await till.post(
        "/api/staff/undo",
        {"scan_id": sid, "ledger_id": ledger_id, "reason": "kunden ombestemte seg"},
        key=str(uuid.uuid4()),
    )
    again = await till.post("/api/staff/redemptions", {"scan_id": sid, "reward_id": reward_id}, key=str(uuid.uuid4()))
    assert again.status_code == 200 and again.json()["reward"]["status"] == "redeemed"


async def test_idempotency_key_replays_the_same_bytes_and_refuses_a_different_body(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    key = str(uuid.uuid4())
    first = await till.stamp(sid, key=key)
    clock.advance(seconds=5)
    retry = await till.stamp(sid, key=key)
    assert retry.content == first.content
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 1
    different = await till.stamp(sid, count=2, key=key)
    assert different.status_code == 422 and different.json()["code"] == "idempotency_conflict"
    missing = await till.post("/api/staff/stamps", {"scan_id": sid, "count": 1})
    assert missing.status_code == 400 and missing.json()["code"] == "validation_error"


async def test_manual_member_number_gives_stamps_but_never_redeems(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till = await member_and_till(new_browser)
    number = (await phone.get("/api/me")).json()["member"]["member_number"]
    response = await till.scan(number)
    assert response.status_code == 201
    body = response.json()
    assert body["method"] == "manual" and body["can_redeem"] is False
    assert (await till.stamp(body["scan_id"])).json()["added"] == 1
    reward = await Reward.insert(
        Reward(
            member=(await Scan.objects().first()).member,
            program=(await Program.objects().first()).id,  # type: ignore[union-attr]
            title="Gratis kaffe",
            status="active",
            issued_at=clock.now(),
            expires_at=clock.now() + timedelta(days=30),
        )
    ).returning(Reward.id)
    refused = await till.post(
        "/api/staff/redemptions", {"scan_id": body["scan_id"], "reward_id": reward[0]["id"]}, key=str(uuid.uuid4())
    )
    assert refused.status_code == 403 and refused.json()["code"] == "manual_entry_cannot_redeem"
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert (await till.scan(typo)).json()["code"] == "member_not_found"
    by_phone = await till.scan("912 34 567")
    assert by_phone.status_code == 201 and by_phone.json()["member"]["member_number"] == number


async def test_manual_entries_are_rate_limited(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone, till = await member_and_till(new_browser)
    number = (await phone.get("/api/me")).json()["member"]["member_number"]
    statuses = [(await till.scan(number)).status_code for _ in range(7)]
    assert statuses[:6] == [201] * 6 and statuses[6] == 429


async def test_disabled_staff_cannot_log_in(new_browser: Callable[[], Browser]) -> None:
    till = new_browser()
    response = await till.post("/api/staff/login", {"username": "sluttet", "password": "passord-sluttet"})
    assert response.status_code == 403 and response.json()["code"] == "account_disabled"
    wrong = await till.post("/api/staff/login", {"username": "kasse1", "password": "feil-passord"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "staff_login_failed"


async def test_members_cannot_use_staff_endpoints_and_nothing_is_written(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    for url, body in [
        ("/api/staff/scans", {"code": phone.qr(time_step(clock.now()))}),
        ("/api/staff/stamps", {"scan_id": "x", "count": 1}),
    ]:
        response = await phone.post(url, body, key=str(uuid.uuid4()))
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    anonymous = new_browser()
    assert (await anonymous.post("/api/staff/scans", {"code": "123"})).status_code == 401
    assert await Scan.count() == 0 and await LedgerEntry.count() == 0


async def test_a_till_cannot_act_on_another_tills_scan_or_another_members_reward(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    kari, till = await member_and_till(new_browser)
    ola = new_browser()
    await ola.join("98765432")
    kari_scan = await scan_id(till, kari, clock)
    await till.stamp(kari_scan, count=5)
    kari_reward = (await till.stamp(kari_scan, count=5)).json()["rewards_issued"][0]["id"]
    other_till = new_browser()
    await other_till.staff_login("kasse2")
    stolen = await other_till.stamp(kari_scan)
    assert stolen.status_code == 404 and stolen.json()["code"] == "scan_expired"
    ola_scan = await scan_id(till, ola, clock)
    wrong_member = await till.post(
        "/api/staff/redemptions", {"scan_id": ola_scan, "reward_id": kari_reward}, key=str(uuid.uuid4())
    )
    assert wrong_member.status_code == 404
    assert (await Reward.objects().where(Reward.id == kari_reward).first()).status == "active"  # type: ignore[union-attr]


async def test_a_member_sees_only_their_own_card(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    kari, till = await member_and_till(new_browser)
    ola = new_browser()
    await ola.join("98765432")
    await till.stamp(await scan_id(till, kari, clock))
    kari_home = (await kari.get("/api/me")).json()
    ola_home = (await ola.get("/api/me")).json()
    assert kari_home["card"]["stamps"] == 1 and ola_home["card"]["stamps"] == 0
    assert kari_home["member"]["member_number"] != ola_home["member"]["member_number"]
    assert ola_home["activity"] == []


async def test_tier_rises_with_stamps_earned_and_home_says_how_far_to_the_next(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    await stamp_visits(till, phone, clock, 7)
    home = (await phone.get("/api/me")).json()
    assert home["tier"]["code"] == "bronse"
    assert home["tier_progress"]["remaining"] == 3 and home["tier_progress"]["next"]["name"] == "Sølv"
    await stamp_visits(till, phone, clock, 3)
    home = (await phone.get("/api/me")).json()
    assert home["tier"] == {"code": "solv", "name": "Sølv"}
    assert home["tier_progress"]["next"]["code"] == "gull" and home["tier_progress"]["remaining"] == 15
    assert len(home["rewards"]) == 1
