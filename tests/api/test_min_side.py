"""Min side: the member's own sign-ins, history, rewards and data export, and that none of it reaches
another member."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from backend.cards.tables import LedgerEntry, Program
from backend.clock import FrozenClock
from backend.me import my_page
from backend.members.tables import Member
from backend.push.tables import PushSubscription
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser, call
from tests.api.test_audit import scan_id, void
from tests.api.test_profile_and_devices import full_profile

MEMBER_CALLS = [
    ("GET", "/api/me/sessions", None),
    ("POST", "/api/me/sessions/1/sign-out", None),
    ("POST", "/api/me/sessions/sign-out-others", None),
    ("POST", "/api/me/sessions/sign-out-all", None),
    ("GET", "/api/me/history", None),
    ("GET", "/api/me/rewards", None),
    ("GET", "/api/me/export", None),
]


@pytest.mark.parametrize(("method", "url", "body"), MEMBER_CALLS)
async def test_min_side_is_for_the_signed_in_member_only(
    new_browser: Callable[[], Browser], method: str, url: str, body: object
) -> None:
    assert (await call(new_browser(), method, url, body)).status_code == 401
    till = new_browser()
    await till.staff_login("kasse1")
    assert (await call(till, method, url, body)).status_code == 403


async def test_a_member_sees_their_sign_ins_and_signs_out_a_lost_phone(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, lost, other = new_browser(), new_browser(), new_browser()
    lost.client.headers["user-agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1"
    await phone.join("91234567")
    await lost.join("91234567")  # the same member on a second phone
    await other.join("98765432")
    listed = (await phone.get("/api/me/sessions")).json()["sessions"]
    assert len(listed) == 2 and sum(s["this_device"] for s in listed) == 1
    lost_session = next(s for s in listed if not s["this_device"])
    assert lost_session["device"] == "Safari · iPhone"

    # Another member cannot see or end it: not found, as if it did not exist.
    assert (await other.post(f"/api/me/sessions/{lost_session['id']}/sign-out")).status_code == 404
    assert (await lost.get("/api/me")).status_code == 200
    assert (await phone.post(f"/api/me/sessions/{lost_session['id']}/sign-out")).json() == {"signed_out": 1}
    assert (await lost.get("/api/me")).status_code == 401
    till = new_browser()
    await till.staff_login("kasse1")
    refused = await till.scan(lost.qr(time_step(clock.now())))  # the lost phone's member code is dead too
    assert refused.status_code == 400 and refused.json()["code"] == "qr_invalid"
    assert (await phone.post(f"/api/me/sessions/{lost_session['id']}/sign-out")).status_code == 404


async def test_sign_out_others_keeps_this_phone_and_sign_out_all_ends_it(new_browser: Callable[[], Browser]) -> None:
    phones = [new_browser() for _ in range(3)]
    for p in phones:
        await p.join("91234567")
    assert (await phones[0].post("/api/me/sessions/sign-out-others")).json() == {"signed_out": 2}
    assert [(await p.get("/api/me")).status_code for p in phones] == [200, 401, 401]
    response = await phones[0].post("/api/me/sessions/sign-out-all")
    assert response.json() == {"signed_out": 1} and "max-age=0" in response.headers["set-cookie"].lower()
    assert (await phones[0].get("/api/me")).status_code == 401


async def test_history_shows_every_stamp_bonus_void_and_reward_with_its_store(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    assert (await phone.patch("/api/me/profile", await full_profile())).status_code == 200  # a bonus stamp
    sid = await scan_id(till, phone, clock)
    await till.stamp(sid, count=5)
    await till.stamp(sid, count=5)  # completes the card: a reward
    wrong = (await LedgerEntry.objects().where(LedgerEntry.kind == "stamp").order_by(LedgerEntry.id))[-1]
    assert (await void(owner, wrong.id, reason="Feil kunde")).status_code == 200
    page = (await phone.get("/api/me/history")).json()
    kinds = [(e["kind"], e["stamps"], e["reason"]) for e in page["entries"]]
    assert kinds[:2] == [("reward_revoked", 0, "Feil kunde"), ("void", -5, "Feil kunde")]
    assert ("stamp", 5, "visit") in kinds
    assert any(kind == "bonus" for kind, _, _ in kinds) and any(kind == "reward_issued" for kind, _, _ in kinds)
    visit = next(e for e in page["entries"] if e["kind"] == "stamp")
    assert visit["store"] == "Sentrum" and visit["at"].startswith("2026-11-24")
    assert page["entries"][1]["reverses"] == wrong.id and page["entries"][0]["reward"] == "Gratis kaffe"
    assert [e["id"] for e in page["entries"]] == sorted((e["id"] for e in page["entries"]), reverse=True)

    # Pages: newest first, the cursor continues exactly where the last page ended.
    member = await Member.objects().where(Member.phone == "+4791234567").first()
    assert member is not None
    first = await my_page.history(member.id, None, limit=2)
    rest = await my_page.history(member.id, first.next_cursor, limit=100)
    assert [e.id for e in first.entries + rest.entries] == [e["id"] for e in page["entries"]]
    assert (await phone.get("/api/me/history", params={"before": first.next_cursor})).json()["entries"][0]["id"] == (
        rest.entries[0].id
    )
    other = new_browser()
    await other.join("98765432")
    assert (await other.get("/api/me/history")).json()["entries"] == []


async def test_rewards_are_listed_active_used_expired_and_withdrawn(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    await Program.update({Program.daily_cap: 50}).where(Program.id > 0)
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    sid = await scan_id(till, phone, clock)
    for _ in range(4):  # four cards, four rewards
        await till.stamp(sid, count=5)
        await till.stamp(sid, count=5)
    rewards = (await phone.get("/api/me/rewards")).json()
    ids = sorted(r["id"] for r in rewards["active"])  # the first card's reward first
    assert len(ids) == 4 and rewards["used"] == rewards["expired"] == rewards["revoked"] == []
    redeemed = await till.post("/api/staff/redemptions", {"scan_id": sid, "reward_id": ids[0]}, key="r-1")
    assert redeemed.status_code == 200, redeemed.text
    last_stamp = (await LedgerEntry.objects().where(LedgerEntry.kind == "stamp").order_by(LedgerEntry.id))[-1]
    assert (await void(owner, last_stamp.id, reason="Kortet ble brukt av en annen")).status_code == 200
    clock.advance(days=31)  # the rest run out
    rewards = (await phone.get("/api/me/rewards")).json()
    assert [r["id"] for r in rewards["used"]] == [ids[0]] and rewards["used"][0]["redeemed_store"] == "Sentrum"
    assert [r["revoked_reason"] for r in rewards["revoked"]] == ["Kortet ble brukt av en annen"]
    assert len(rewards["expired"]) == 2 and rewards["active"] == []


async def test_the_export_holds_everything_about_the_member_and_nothing_about_others(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, till, other = new_browser(), new_browser(), new_browser()
    await phone.join("91234567", marketing={"push": True, "email": False, "sms": False})
    await other.join("98765432")
    await till.staff_login("kasse1")
    await phone.patch("/api/me/profile", {"first_name": "Kari", "birthday": "1990-05-17"})
    await till.stamp(await scan_id(till, phone, clock))
    member = await Member.objects().where(Member.phone == "+4791234567").first()
    assert member is not None
    await PushSubscription.insert(
        PushSubscription(
            member=member.id,
            endpoint="https://push.example/abc",
            p256dh="secret-key",
            auth="secret-auth",
            vapid_key_id="k1",
            created_at=clock.now(),
            last_seen_at=clock.now(),
        )
    )
    clock.advance(minutes=1)
    response = await phone.get("/api/me/export")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="stampcard-mine-data-{member.member_number}-2026-11-24.json"'
    )
    data = json.loads(response.content)
    assert data["profile"]["phone"] == "+4791234567" and data["profile"]["first_name"] == "Kari"
    assert data["profile"]["birthday"] == "1990-05-17" and data["profile"]["member_number"] == member.member_number
    assert {(c["purpose"], c["granted"]) for c in data["consents"]} >= {("terms", True), ("marketing_push", True)}
    assert [e["kind"] for e in data["ledger"]].count("stamp") == 1 and data["cards"][0]["stamps"] >= 1
    assert len(data["devices"]) == 1 and len(data["sessions"]) == 1 and data["sessions"][0]["ip"]
    assert [s["endpoint"] for s in data["push_subscriptions"]] == ["https://push.example/abc"] and data[
        "passkeys"
    ] == []
    assert "secret-key" not in response.text and "secret-auth" not in response.text
    assert any(n["kind"] == "welcome" for n in data["notifications"])
    assert "98765432" not in response.text  # nothing about the other member
    theirs = json.loads((await other.get("/api/me/export")).content)
    assert theirs["ledger"] == [] and theirs["push_subscriptions"] == [] and "91234567" not in json.dumps(theirs)
