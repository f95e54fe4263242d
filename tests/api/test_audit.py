"""The owner's audit trail, voids and alerts: who may call them, what a void does to cards and rewards,
what the member then sees, double and concurrent voids, filters, and alerts on constructed data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.accounts.tables import StaffAccount
from backend.cards.tables import Card, LedgerEntry, Program, Reward, Scan
from backend.clock import FrozenClock
from backend.club.tables import Store
from backend.members.tables import Member
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser, call

OWNER_CALLS = [
    ("GET", "/api/admin/audit", None),
    ("GET", "/api/admin/audit/filters", None),
    ("GET", "/api/admin/audit.csv", None),
    ("GET", "/api/admin/alerts", None),
    ("POST", "/api/admin/voids", {"entry_id": 1, "reason": "Feil kunde"}),
]


@pytest.mark.parametrize(("method", "url", "body"), OWNER_CALLS)
async def test_only_the_owner_gets_in(
    new_browser: Callable[[], Browser], clock: FrozenClock, method: str, url: str, body: object
) -> None:
    phone, till = await member_and_till(new_browser)
    await till.stamp(await scan_id(till, phone, clock))
    assert (await call(new_browser(), method, url, body)).status_code == 401
    response = await call(till, method, url, body)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert (await call(phone, method, url, body)).status_code == 403
    assert await LedgerEntry.count().where(LedgerEntry.kind == "void") == 0


async def member_and_till(new_browser: Callable[[], Browser], username: str = "kasse1") -> tuple[Browser, Browser]:
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login(username)
    return phone, till


async def scan_id(till: Browser, phone: Browser, clock: FrozenClock) -> str:
    response = await till.scan(phone.qr(time_step(clock.now())))
    assert response.status_code == 201, response.text
    return str(response.json()["scan_id"])


async def completed_card(new_browser: Callable[[], Browser], clock: FrozenClock) -> tuple[Browser, Browser, int]:
    """A member whose card was just completed by one stamp; returns that stamp's ledger id."""
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    await till.stamp(sid, count=5)
    await till.stamp(sid, count=4)
    clock.advance(minutes=2)
    body = (await till.stamp(await scan_id(till, phone, clock))).json()
    assert len(body["rewards_issued"]) == 1
    return phone, till, await last_stamp_id()


async def last_stamp_id() -> int:
    entry = await LedgerEntry.objects().where(LedgerEntry.kind == "stamp").order_by(LedgerEntry.id, ascending=False)
    return int(entry[0].id)


async def void(owner: Browser, entry_id: int, reason: str = "Stempel gitt ved en feil", key: str | None = None) -> Any:
    return await owner.post("/api/admin/voids", {"entry_id": entry_id, "reason": reason}, key=key or str(uuid.uuid4()))


async def test_voiding_the_stamp_that_completed_a_card_revokes_the_reward_and_the_member_sees_why(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    phone, _, entry_id = await completed_card(new_browser, clock)
    before = (await phone.get("/api/me")).json()
    assert len(before["rewards"]) == 1 and before["tier_progress"]["earned"] == 10
    clock.advance(days=2)  # long after the till's undo window
    await owner.staff_login("eier")  # a new session: the last one has ended

    response = await void(owner, entry_id, "  Ga stempel til feil kunde ")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reason"] == "Ga stempel til feil kunde"
    assert body["stamps_voided"] == 1 and body["taken_back"] == 1 and body["not_recovered"] == 0
    assert [r["title"] for r in body["revoked"]] == ["Gratis kaffe"] and body["kept"] == []
    assert body["card"] == {"stamps": 9, "capacity": 10}

    reward = await Reward.objects().first()
    assert reward is not None and reward.status == "revoked" and reward.revoked_reason == "Ga stempel til feil kunde"
    home = (await phone.get("/api/me")).json()
    assert home["rewards"] == [] and home["card"]["stamps"] == 9
    assert home["tier_progress"]["earned"] == 9
    latest = home["activity"][:2]
    assert [a["kind"] for a in latest] == ["reward_revoked", "void"]
    assert all(a["reason"] == "Ga stempel til feil kunde" for a in latest)
    assert latest[1]["stamps"] == -1 and latest[1]["store"] == "Sentrum"

    row = await LedgerEntry.objects().where(LedgerEntry.kind == "void").first()
    assert row is not None and row.reverses == entry_id and row.actor_role == "owner" and row.idempotency_key
    # The card opened again: the next stamp completes it and issues a fresh reward.
    assert await Card.count().where(Card.status == "open") == 1


async def test_a_redeemed_reward_stays_and_the_audit_says_so(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    phone, till, entry_id = await completed_card(new_browser, clock)
    clock.advance(minutes=1)
    sid = await scan_id(till, phone, clock)
    reward_id = (await phone.get("/api/me")).json()["rewards"][0]["id"]
    redeemed = await till.post("/api/staff/redemptions", {"scan_id": sid, "reward_id": reward_id}, key="r1")
    assert redeemed.status_code == 200, redeemed.text

    body = (await void(owner, entry_id)).json()
    assert body["revoked"] == [] and body["kept"] == [{"id": reward_id, "title": "Gratis kaffe", "status": "redeemed"}]
    assert body["taken_back"] == 0 and body["not_recovered"] == 1
    reward = await Reward.objects().where(Reward.id == reward_id).first()
    assert reward is not None and reward.status == "redeemed"
    audit = (await owner.get("/api/admin/audit", params={"action": "void"})).json()["entries"]
    assert audit[0]["details"]["kept"] == [reward_id] and audit[0]["details"]["not_recovered"] == 1


async def test_later_stamps_stand_in_for_voided_ones_so_the_reward_stays(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    phone, till, entry_id = await completed_card(new_browser, clock)
    clock.advance(minutes=2)
    await till.stamp(await scan_id(till, phone, clock), count=2)
    body = (await void(owner, entry_id)).json()
    assert body["revoked"] == [] and body["taken_back"] == 1 and body["card"] == {"stamps": 1, "capacity": 10}
    home = (await phone.get("/api/me")).json()
    assert len(home["rewards"]) == 1 and home["card"]["stamps"] == 1


async def test_the_same_key_twice_voids_once_and_another_key_is_refused(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    _, _, entry_id = await completed_card(new_browser, clock)
    first = await void(owner, entry_id, key="void-1")
    again = await void(owner, entry_id, key="void-1")
    assert first.status_code == again.status_code == 200 and first.content == again.content
    other = await void(owner, entry_id, key="void-2")
    assert other.status_code == 409 and other.json()["code"] == "already_voided"
    changed = await void(owner, entry_id, "Noe annet", key="void-1")
    assert changed.status_code == 422
    assert await LedgerEntry.count().where(LedgerEntry.kind == "void") == 1
    assert await LedgerEntry.count().where(LedgerEntry.kind == "reward_revoked") == 1


async def test_concurrent_voids_of_one_entry_void_it_once(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    phone, _, entry_id = await completed_card(new_browser, clock)
    second_owner = new_browser()
    await second_owner.staff_login("eier")
    responses = await asyncio.gather(*[void(o, entry_id) for o in [owner, second_owner] * 5])
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1 and statuses.count(409) == 9, [r.text for r in responses]
    assert await LedgerEntry.count().where(LedgerEntry.kind == "void") == 1
    assert (await phone.get("/api/me")).json()["card"]["stamps"] == 9


async def test_what_cannot_be_voided(new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser) -> None:
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    await till.stamp(sid)
    stamp_id = await last_stamp_id()
    undo = await till.post("/api/staff/undo", {"scan_id": sid, "ledger_id": stamp_id, "reason": "feil"}, key="u1")
    assert undo.status_code == 200, undo.text
    undone = await void(owner, stamp_id)
    assert undone.status_code == 409 and undone.json()["code"] == "already_voided"
    undo_row = await LedgerEntry.objects().where(LedgerEntry.kind == "undo").first()
    assert undo_row is not None
    assert (await void(owner, undo_row.id)).json()["code"] == "not_voidable"
    assert (await void(owner, 99999)).status_code == 404
    short = await void(owner, stamp_id, " x ")
    assert short.status_code == 400 and short.json()["errors"][0]["field"] == "reason"
    no_key = await owner.post("/api/admin/voids", {"entry_id": stamp_id, "reason": "Feil kunde"})
    assert no_key.status_code == 400


async def test_after_a_void_the_till_cannot_undo_what_came_before(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    phone, till = await member_and_till(new_browser)
    sid = await scan_id(till, phone, clock)
    await till.stamp(sid)
    first = await last_stamp_id()
    await till.stamp(sid)
    second = await last_stamp_id()
    assert (await void(owner, first)).status_code == 200
    undo = await till.post("/api/staff/undo", {"scan_id": sid, "ledger_id": second, "reason": "feil"}, key="u2")
    assert undo.status_code == 409 and undo.json()["code"] == "nothing_to_undo"
    # The voided stamp was today's: the member gets that stamp of today's allowance back.
    assert (await till.stamp(sid, count=2)).json()["added"] == 2


async def test_the_audit_filters_and_pages(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = await member_and_till(new_browser)
    other_phone, other_till = new_browser(), new_browser()
    await other_phone.join("98765432")
    await other_till.staff_login("kasse2")
    start = clock.now()
    await till.stamp(await scan_id(till, phone, clock))
    clock.advance(hours=1)
    await other_till.stamp(await scan_id(other_till, other_phone, clock), count=3)
    await other_till.stamp(await scan_id(other_till, phone, clock))
    filters = (await owner.get("/api/admin/audit/filters")).json()
    stores = {s["name"]: s["id"] for s in filters["stores"]}
    staff = {s["name"]: s["id"] for s in filters["staff"]}
    assert "void" in filters["actions"] and {"Sentrum", "Bryggen"} <= stores.keys()

    async def audit(**params: Any) -> list[dict[str, Any]]:
        response = await owner.get("/api/admin/audit", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["entries"])

    everything = await audit()
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    assert len(everything) == 3
    assert [e["stamps"] for e in await audit(store=stores["Bryggen"])] == [1, 3]
    assert [e["stamps"] for e in await audit(staff=staff["Kasse1"])] == [1]
    member_number = (await phone.get("/api/me")).json()["member"]["member_number"]
    spaced = f"{member_number[:3]} {member_number[3:6]} {member_number[6:]}"
    mine = await audit(member=spaced)
    assert len(mine) == 2 and {e["member"]["member_number"] for e in mine} == {member_number}
    assert await audit(action="reward_redeemed") == []
    assert len(await audit(since=(start + timedelta(minutes=30)).isoformat())) == 2
    assert len(await audit(until=(start + timedelta(minutes=30)).isoformat())) == 1
    row = everything[-1]
    assert row["staff"]["name"] == "Kasse1" and row["store"]["name"] == "Sentrum" and row["actor_role"] == "staff"
    assert row["voidable"] is True and row["voided_by"] is None and row["device"]

    first = (await owner.get("/api/admin/audit", params={"limit": 2})).json()
    assert len(first["entries"]) == 2 and first["next_cursor"] == first["entries"][-1]["id"]
    rest = (await owner.get("/api/admin/audit", params={"limit": 2, "before": first["next_cursor"]})).json()
    assert [e["id"] for e in rest["entries"]] == [everything[2]["id"]] and rest["next_cursor"] is None

    voided = (await void(owner, row["id"])).json()
    after = await audit(member=member_number)
    assert after[0]["action"] == "void" and after[0]["reverses"] == row["id"] and after[0]["voidable"] is False
    assert after[0]["staff"]["name"] == "Eier" and after[0]["store"]["name"] == "Sentrum"
    original = next(e for e in after if e["id"] == row["id"])
    assert original["voided_by"] == voided["void_id"] and original["voidable"] is False
    bad = await owner.get("/api/admin/audit", params={"action": "delete"})
    assert bad.status_code == 400

    # The same trail as CSV for the accountant: every page, the screen's filters, Oslo local times.
    export = await owner.get("/api/admin/audit.csv", params={"member": member_number, "lang": "en"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith('attachment; filename="stampcard-audit-')
    assert export.content.startswith("\ufeff".encode())
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:5] == ["No.", "Time (Oslo)", "Action", "Stamps", "Member number"]
    rows = [line.split(";") for line in lines[1:]]
    assert [(int(r[0]), r[2], int(r[3]), r[4]) for r in rows] == [
        (e["id"], e["action"], e["stamps"], member_number) for e in after
    ]
    oslo = datetime.fromisoformat(after[-1]["at"].replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Oslo"))
    assert rows[-1][1] == oslo.strftime("%Y-%m-%d %H:%M:%S") and rows[-1][5] == "Sentrum"
    assert rows[0][11] == str(row["id"]) and rows[-1][12] == str(voided["void_id"])
    everything_csv = (await owner.get("/api/admin/audit.csv")).content.decode("utf-8-sig").splitlines()
    assert everything_csv[0].startswith("Nr.;Tid (Oslo);Handling") and len(everything_csv) == 1 + 4


async def test_no_alerts_on_an_ordinary_month(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    ids = await ids_by_name()
    phone, _ = await member_and_till(new_browser)
    member = await Member.objects().first()
    assert member is not None
    now = clock.now()
    # Four weeks of ~25 stamps a day at Sentrum, then an ordinary day; a member at the cap twice.
    for day in range(1, 29):
        await ledger_rows(member.id, ids["kasse1"], ids["sentrum"], now - timedelta(days=day, hours=1), 25)
    await ledger_rows(member.id, ids["kasse1"], ids["sentrum"], now - timedelta(hours=2), 30)
    for day in (3, 9):
        await ledger_rows(member.id, ids["kasse1"], ids["sentrum"], now - timedelta(days=day, hours=2), 3, cap=True)
    for _ in range(5):
        await manual_scan(member.id, ids["kasse1"], ids["sentrum"], session=7, at=now - timedelta(hours=1))
    body = (await owner.get("/api/admin/alerts")).json()
    assert body["alerts"] == []


async def test_alerts_fire_on_unusual_activity(
    new_browser: Callable[[], Browser], clock: FrozenClock, owner: Browser
) -> None:
    ids = await ids_by_name()
    await member_and_till(new_browser)
    member = await Member.objects().first()
    assert member is not None
    now = clock.now()
    for day in range(1, 29):  # Sentrum's usual rate: 10 stamps a day
        await ledger_rows(member.id, ids["kasse1"], ids["sentrum"], now - timedelta(days=day, hours=1), 10)
    await ledger_rows(member.id, ids["kasse1"], ids["sentrum"], now - timedelta(hours=3), 45)
    for day in (1, 4, 6, 11, 20):  # at the daily cap (3) on five days of the month
        await ledger_rows(member.id, ids["kasse2"], ids["bryggen"], now - timedelta(days=day, hours=2), 3, cap=True)
    for _ in range(16):
        await manual_scan(member.id, ids["kasse2"], ids["bryggen"], session=42, at=now - timedelta(hours=2))

    alerts = {a["kind"]: a for a in (await owner.get("/api/admin/alerts")).json()["alerts"]}
    assert alerts.keys() == {"staff_rate", "daily_cap", "manual_entries"}
    rate = alerts["staff_rate"]
    assert rate["staff"]["name"] == "Kasse1" and rate["store"]["name"] == "Sentrum"
    assert rate["count"] == 45 and rate["usual"] == 10.0
    assert rate["audit"]["staff"] == str(ids["kasse1"]) and rate["audit"]["action"] == "stamp"
    cap = alerts["daily_cap"]
    assert cap["member"]["member_number"] == member.member_number and cap["days"] == 5
    assert cap["audit"]["member"] == member.member_number
    manual = alerts["manual_entries"]
    assert manual["count"] == 16 and manual["session_id"] == 42 and manual["staff"]["name"] == "Kasse2"


async def ids_by_name() -> dict[str, int]:
    stores = {s["slug"]: s["id"] for s in await Store.select(Store.id, Store.slug)}
    staff = {s["username"]: s["id"] for s in await StaffAccount.select(StaffAccount.id, StaffAccount.username)}
    return {**stores, **staff}


async def ledger_rows(member_id: int, staff_id: int, store_id: int, at: Any, stamps: int, *, cap: bool = False) -> None:
    program = await Program.objects().first()
    assert program is not None
    await LedgerEntry.insert(
        LedgerEntry(
            member=member_id,
            program=program.id,
            kind="stamp",
            stamps=stamps,
            counts_for_cap=cap,
            reason="visit",
            store=store_id,
            staff=staff_id,
            actor_role="staff",
            created_at=at,
        )
    )


async def manual_scan(member_id: int, staff_id: int, store_id: int, *, session: int, at: Any) -> None:
    await Scan.insert(
        Scan(
            public_id=uuid.uuid4().hex,
            member=member_id,
            store=store_id,
            staff=staff_id,
            session_id=session,
            method="manual",
            created_at=at,
            expires_at=at + timedelta(minutes=5),
        )
    )
