"""The POS and web-shop API: per-store keys (owner only, stored hashed, revocable), scopes,
idempotency, lookups, purchases by amount with a receipt that stamps once, voids, redemptions,
the key's service account, the OpenAPI schema, and the signed webhook a POS purchase causes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from litestar import Litestar

from backend.accounts.passwords import verify_password
from backend.accounts.tables import StaffAccount
from backend.cards.tables import LedgerEntry, Program, Reward
from backend.clock import FrozenClock
from backend.club.tables import Store
from backend.integrations.tables import ApiKey
from backend.settings import Settings
from backend.worker import Worker
from digital_stampcard.member_qr import time_step
from digital_stampcard.webhooks import verify
from tests.api.helpers import STAFF, Browser
from tests.webhook_receiver import running_receiver

ALL_SCOPES = ["members:read", "stamps:write", "stamps:void", "rewards:redeem"]


async def store_id(slug: str = "sentrum") -> int:
    row = await Store.select(Store.id).where(Store.slug == slug).first()
    assert row is not None
    return int(row["id"])


async def make_key(owner: Browser, slug: str = "sentrum", scopes: list[str] | None = None) -> dict[str, Any]:
    body = {"store_id": await store_id(slug), "name": f"Kasse {slug}", "scopes": scopes or ALL_SCOPES}
    response = await owner.post("/api/admin/api-keys", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


class Pos:
    """A till system calling the API: no cookies, no CSRF token, a bearer key."""

    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client, self.key = client, key

    async def post(self, path: str, body: Any, idem: str | None = "new") -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        if idem is not None:
            headers["Idempotency-Key"] = str(uuid.uuid4()) if idem == "new" else idem
        return await self.client.post(f"/api/pos/v1{path}", json=body, headers=headers)

    async def purchase(self, receipt: str, amount: int, idem: str = "new", **member: Any) -> httpx.Response:
        return await self.post("/purchases", {"receipt_id": receipt, "amount_ore": amount, **member}, idem)


async def pos_for(owner: Browser, new_browser: Callable[[], Browser], slug: str = "sentrum", **kw: Any) -> Pos:
    return Pos(new_browser().client, (await make_key(owner, slug, **kw))["key"])


async def member(new_browser: Callable[[], Browser], phone: str = "91234567") -> tuple[Browser, str]:
    browser = new_browser()
    joined = await browser.join(phone)
    return browser, str(joined["member"]["member_number"])


async def stamp_by_amount(ore_per_stamp: int = 10000, capacity: int = 10, daily_cap: int = 3) -> None:
    await Program.update(
        {
            Program.stamp_basis: "amount",
            Program.ore_per_stamp: ore_per_stamp,
            Program.capacity: capacity,
            Program.daily_cap: daily_cap,
        },
        force=True,
    )


async def test_owner_creates_lists_and_revokes_a_key_shown_once_and_stored_hashed(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    created = await make_key(owner, scopes=["stamps:write", "members:read"])
    key = created["key"]
    assert key.startswith("sk_live_") and len(key) >= 50 and key.startswith(created["prefix"])
    assert created["scopes"] == ["members:read", "stamps:write"] and created["store_name"] == "Sentrum"

    listed = (await owner.get("/api/admin/api-keys")).json()
    assert listed["scopes"] == ALL_SCOPES
    [row] = listed["keys"]
    assert "key" not in row and row["prefix"] == created["prefix"] and row["revoked_at"] is None
    assert key not in json.dumps(listed)
    stored = await ApiKey.select().first()
    assert stored is not None and stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(stored, default=str)

    pos = Pos(new_browser().client, key)
    _, number = await member(new_browser)
    assert (await pos.post("/lookup", {"member_number": number})).status_code == 200
    assert (await owner.get("/api/admin/api-keys")).json()["keys"][0]["last_used_at"] is not None

    revoked = await owner.post(f"/api/admin/api-keys/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await pos.post("/lookup", {"member_number": number})
    assert refused.status_code == 401 and refused.json()["code"] == "api_key_invalid"
    account = await StaffAccount.objects().where(StaffAccount.id == stored["staff"]).first()
    assert account is not None and account.disabled_at is not None
    assert (await owner.post("/api/admin/api-keys/999999/revoke")).status_code == 404


async def test_only_the_owner_manages_keys(new_browser: Callable[[], Browser]) -> None:
    cashier, phone, anonymous = new_browser(), new_browser(), new_browser()
    await cashier.staff_login("kasse1")
    await phone.join("91234567")
    body = {"store_id": await store_id(), "name": "Kasse", "scopes": ALL_SCOPES}
    for browser, status in [(cashier, 403), (phone, 403), (anonymous, 401)]:
        assert (await browser.get("/api/admin/api-keys")).status_code == status
        assert (await browser.post("/api/admin/api-keys", body)).status_code == status
        assert (await browser.post("/api/admin/api-keys/1/revoke")).status_code == status
    assert await ApiKey.count() == 0


async def test_bad_keys_missing_scopes_and_missing_idempotency_keys_are_refused(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    _, number = await member(new_browser)
    reader = await pos_for(owner, new_browser, scopes=["members:read"])
    client = reader.client
    for headers in [{}, {"Authorization": "Bearer sk_live_nope"}, {"Authorization": f"Basic {reader.key}"}]:
        response = await client.post(
            "/api/pos/v1/lookup", json={"member_number": number}, headers={**headers, "Idempotency-Key": "a"}
        )
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"
    denied = await reader.purchase("R-1", 10000, member_number=number)
    assert denied.status_code == 403 and denied.json() | {"scope": "stamps:write"} == denied.json()
    assert (await reader.post("/rewards/1/redeem", {"lookup_id": "x"})).status_code == 403
    assert (await reader.post("/purchases/R-1/void", {"reason": "retur"})).status_code == 403
    # A stamping-only key may stamp a member it was handed by a QR look-up, but not probe phone numbers.
    stamper = await pos_for(owner, new_browser, scopes=["stamps:write"])
    probe = await stamper.purchase("R-2", 10000, phone="91234567")
    assert probe.status_code == 403 and probe.json()["scope"] == "members:read"
    missing = await reader.post("/lookup", {"member_number": number}, idem=None)
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_missing"
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 0


async def test_lookup_by_qr_member_number_and_phone(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, number = await member(new_browser)
    await phone.patch("/api/me/profile", {"first_name": "Kari"})
    pos = await pos_for(owner, new_browser)

    by_qr = await pos.post("/lookup", {"qr": phone.qr(time_step(clock.now()))})
    assert by_qr.status_code == 200, by_qr.text
    body = by_qr.json()
    assert body["member_number"] == number and body["first_name"] == "Kari" and body["can_redeem"] is True
    assert body["card"] == {"stamps": 0, "capacity": 10, "reward_text": "Gratis kaffe"} and body["rewards"] == []
    assert body["lookup_id"]

    by_number = (await pos.post("/lookup", {"member_number": number})).json()
    by_phone = (await pos.post("/lookup", {"phone": "+47 912 34 567"})).json()
    for found in (by_number, by_phone):
        assert found["member_number"] == number and found["can_redeem"] is False

    unknown = await pos.post("/lookup", {"member_number": "000000000"})
    assert unknown.status_code == 404
    two = await pos.post("/lookup", {"member_number": number, "phone": "91234567"})
    assert two.status_code == 400
    assert (await pos.post("/lookup", {"qr": "not a code"})).status_code == 400


async def test_a_purchase_stamps_by_amount_and_a_small_one_writes_nothing(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await stamp_by_amount(ore_per_stamp=10000)
    phone, number = await member(new_browser)
    pos = await pos_for(owner, new_browser)
    lookup_id = (await pos.post("/lookup", {"qr": phone.qr(time_step(clock.now()))})).json()["lookup_id"]

    response = await pos.purchase("K1-0001", 25900, lookup_id=lookup_id)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["stamps_added"] == 2 and out["duplicate"] is False and out["card"]["stamps"] == 2
    [row] = await LedgerEntry.select().where(LedgerEntry.kind == "stamp")
    assert row["receipt_key"] == f"{await store_id()}:K1-0001" and row["amount_ore"] == 25900
    assert row["actor_role"] == "pos" and row["device"].startswith("pos:sk_live_") and row["scan"] is not None
    account = await StaffAccount.objects().where(StaffAccount.id == row["staff"]).first()
    assert account is not None and account.role == "pos" and account.name == "Kasse: Kasse sentrum"

    small = await pos.purchase("K1-0002", 9900, member_number=number)
    assert small.status_code == 200 and small.json()["stamps_added"] == 0 and small.json()["card"]["stamps"] == 2
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 1
    assert (await pos.post("/purchases/K1-0002/void", {"reason": "retur"})).status_code == 404

    by_phone = await pos.purchase("WEB-7", 10000, phone="91234567")
    assert by_phone.json()["stamps_added"] == 1  # the daily cap (3) is reached
    capped = await pos.purchase("WEB-8", 50000, phone="91234567")
    assert capped.status_code == 200, capped.text
    assert capped.json()["stamps_added"] == 0 and capped.json()["capped"] is True
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 2


async def test_the_same_receipt_twice_stamps_once(owner: Browser, new_browser: Callable[[], Browser]) -> None:
    _, number = await member(new_browser)
    pos = await pos_for(owner, new_browser)
    first = await pos.purchase("K1-42", 10000, idem="one", member_number=number)
    retry = await pos.purchase("K1-42", 10000, idem="one", member_number=number)
    assert retry.content == first.content  # the same Idempotency-Key: the very same answer
    again = await pos.purchase("K1-42", 10000, idem="two", member_number=number)
    assert first.json()["stamps_added"] == 1 and first.json()["duplicate"] is False
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["stamps_added"] == 1
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 1


async def test_the_same_receipt_sent_concurrently_stamps_once(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    _, number = await member(new_browser)
    _, other_number = await member(new_browser, "98765432")
    pos = await pos_for(owner, new_browser)
    # Three twins for the same member (serialised by the member's lock) and one naming another
    # member (only the unique receipt index stops it).
    twins = [pos.purchase("K1-77", 10000, member_number=n) for n in [number, number, other_number, number]]
    answers = await asyncio.gather(*twins)
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert sorted(a.json()["duplicate"] for a in answers) == [False, True, True, True]
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 1
    [winner] = {a.json()["member_number"] for a in answers}
    assert (await pos.post("/lookup", {"member_number": winner})).json()["card"]["stamps"] == 1


async def test_the_same_receipt_id_in_two_stores_is_two_receipts(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    _, number = await member(new_browser)
    sentrum, bryggen = await pos_for(owner, new_browser), await pos_for(owner, new_browser, "bryggen")
    assert (await sentrum.purchase("1001", 10000, member_number=number)).json()["duplicate"] is False
    assert (await bryggen.purchase("1001", 10000, member_number=number)).json()["duplicate"] is False
    keys = {
        r["receipt_key"] for r in await LedgerEntry.select(LedgerEntry.receipt_key).where(LedgerEntry.kind == "stamp")
    }
    assert keys == {f"{await store_id()}:1001", f"{await store_id('bryggen')}:1001"}


async def test_a_void_by_receipt_revokes_the_unredeemed_reward(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    await stamp_by_amount(ore_per_stamp=10000, capacity=3, daily_cap=10)
    _, number = await member(new_browser)
    pos = await pos_for(owner, new_browser)
    bought = (await pos.purchase("K1-9", 30000, member_number=number)).json()
    [reward] = bought["rewards_issued"]
    assert bought["stamps_added"] == 3 and reward["status"] == "active"

    other_store = await pos_for(owner, new_browser, "bryggen")
    assert (await other_store.post("/purchases/K1-9/void", {"reason": "Varen ble returnert"})).status_code == 404
    voided = await pos.post("/purchases/K1-9/void", {"reason": "Varen ble returnert"})
    assert voided.status_code == 200, voided.text
    out = voided.json()
    assert out["stamps_voided"] == 3 and out["already_voided"] is False
    assert [(r["id"], r["status"]) for r in out["rewards_revoked"]] == [(reward["id"], "revoked")]
    row = await Reward.objects().where(Reward.id == reward["id"]).first()
    assert row is not None and row.status == "revoked" and row.revoked_reason == "Varen ble returnert"

    again = (await pos.post("/purchases/K1-9/void", {"reason": "Varen ble returnert"})).json()
    assert again["already_voided"] is True and again["stamps_voided"] == 3
    assert await LedgerEntry.count().where(LedgerEntry.kind == "void") == 1
    assert (await pos.post("/purchases/NOPE/void", {"reason": "retur"})).status_code == 404


async def test_a_reward_is_redeemed_once_and_only_after_a_qr_lookup(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await stamp_by_amount(ore_per_stamp=10000, capacity=3, daily_cap=10)
    phone, number = await member(new_browser)
    pos = await pos_for(owner, new_browser)
    [reward] = (await pos.purchase("K1-1", 30000, member_number=number)).json()["rewards_issued"]

    by_number = (await pos.post("/lookup", {"member_number": number})).json()
    assert by_number["rewards"][0]["id"] == reward["id"] and by_number["can_redeem"] is False
    manual = await pos.post(f"/rewards/{reward['id']}/redeem", {"lookup_id": by_number["lookup_id"]})
    assert manual.status_code == 403 and manual.json()["code"] == "manual_entry_cannot_redeem"

    lookup_id = (await pos.post("/lookup", {"qr": phone.qr(time_step(clock.now()))})).json()["lookup_id"]
    redeemed = await pos.post(f"/rewards/{reward['id']}/redeem", {"lookup_id": lookup_id})
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["reward"]["status"] == "redeemed" and redeemed.json()["member_number"] == number
    twice = await pos.post(f"/rewards/{reward['id']}/redeem", {"lookup_id": lookup_id})
    assert twice.status_code == 409 and twice.json()["code"] == "reward_not_active"
    assert await LedgerEntry.count().where(LedgerEntry.kind == "reward_redeemed") == 1

    other_key = await pos_for(owner, new_browser)  # a lookup belongs to the key that made it
    stolen = await other_key.post(f"/rewards/{reward['id']}/redeem", {"lookup_id": lookup_id})
    assert stolen.status_code == 404 and stolen.json()["code"] == "scan_expired"


async def test_members_named_by_number_or_phone_are_typed_lookups_limited_per_key_and_alerted(
    owner: Browser, new_browser: Callable[[], Browser], settings: Settings
) -> None:
    """A key with members:read must not test phone numbers faster than a till may type them: naming a
    member in a purchase is a manual entry like a look-up, under the till's hourly limit per key (found
    or not), and the members found show in the owner's manual-entry alert for that key."""
    await stamp_by_amount(ore_per_stamp=10000, daily_cap=10)
    numbers = [(await member(new_browser, f"9123456{i}"))[1] for i in range(5)]
    created = await make_key(owner)
    pos = Pos(new_browser().client, created["key"])
    for i in range(15):  # three purchases each, within the till's six an hour per member
        bought = await pos.purchase(f"R-{i}", 10000, member_number=numbers[i % 5])
        assert bought.status_code == 200, bought.text
    alerts = [a for a in (await owner.get("/api/admin/alerts")).json()["alerts"] if a["kind"] == "manual_entries"]
    assert [(a["count"], a["session_id"], a["staff"]["name"]) for a in alerts] == [
        (15, -created["id"], "Kasse: Kasse sentrum")
    ]

    left = settings.manual_entries_per_device_per_hour - 15
    probes = [(await pos.purchase(f"P-{i}", 10000, phone=f"4{i:07d}")).status_code for i in range(left + 1)]
    assert probes[:left] == [404] * left and probes[left] == 429  # the misses count too
    for body in ({"phone": "91234560"}, {"member_number": numbers[0]}):
        limited = await pos.post("/lookup", body)
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert (await pos.post("/lookup", {"qr": "not a code"})).status_code == 400  # QR look-ups have their own limit
    other = await pos_for(owner, new_browser)  # the limit is per key
    assert (await other.post("/lookup", {"member_number": numbers[1]})).status_code == 200


async def test_the_key_account_cannot_log_in_and_is_not_listed_as_staff(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    created = await make_key(owner)
    account = await StaffAccount.objects().where(StaffAccount.role == "pos").first()
    assert account is not None and account.password_hash == "" and account.name == "Kasse: Kasse sentrum"
    assert not await verify_password("", "")
    assert not await verify_password("", STAFF["eier"])
    login = await new_browser().post("/api/staff/login", {"username": account.username, "password": ""})
    assert login.status_code == 401

    staff = (await owner.get("/api/admin/staff")).json()["accounts"]
    assert account.id not in [a["id"] for a in staff] and "Kasse: " not in json.dumps(staff)
    assert (await owner.get(f"/api/admin/staff/{account.id}")).status_code == 404
    assert (await owner.post(f"/api/admin/staff/{account.id}/reset", {"email": "x@example.no"})).status_code == 404
    stores = (await owner.get("/api/admin/stores")).json()
    sentrum = next(s for s in (stores if isinstance(stores, list) else stores["stores"]) if s["slug"] == "sentrum")
    assert sentrum["staff_count"] == 1  # kasse1 only ("sluttet" is disabled)

    # In the audit trail the POS is named for what it is.
    _, number = await member(new_browser)
    assert (await Pos(new_browser().client, created["key"]).purchase("A-1", 0, member_number=number)).status_code == 200
    names = [s["name"] for s in (await owner.get("/api/admin/audit/filters")).json()["staff"]]
    assert "Kasse: Kasse sentrum" in names


async def test_the_openapi_schema_documents_the_pos_api(new_browser: Callable[[], Browser]) -> None:
    schema = (await new_browser().get("/api/docs/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["PosApiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert any(t["name"] == "POS" and "Idempotency-Key" in t["description"] for t in schema["tags"])
    for path in [
        "/api/pos/v1/lookup",
        "/api/pos/v1/purchases",
        "/api/pos/v1/purchases/{receipt_id}/void",
        "/api/pos/v1/rewards/{reward_id}/redeem",
    ]:
        operation = schema["paths"][path]["post"]
        assert operation["tags"] == ["POS"] and operation["security"] == [{"PosApiKey": []}], path
        assert operation["requestBody"]["content"]["application/json"]["schema"]["examples"], path
        assert operation["responses"]["200"]["content"]["application/json"]["examples"], path
        assert "401" in operation["responses"] and "403" in operation["responses"], path
        header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert header["in"] == "header" and header["required"] is True


async def test_a_pos_purchase_sends_a_signed_stamp_added_webhook(
    owner: Browser, new_browser: Callable[[], Browser], app: Litestar, clock: FrozenClock
) -> None:
    async with running_receiver() as receiver:
        endpoint = await owner.post(
            "/api/admin/webhooks", {"url": receiver.url, "events": ["stamp.added"], "description": "Nettbutikk"}
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        _, number = await member(new_browser)
        pos = await pos_for(owner, new_browser)
        assert (await pos.purchase("WEB-1", 10000, member_number=number)).status_code == 200
        ctx = app.state["ctx"]
        async with Worker(ctx, concurrency=4) as worker:
            while await worker.run_once():
                pass
    [(headers, body)] = receiver.got
    assert verify(secret, headers["Stampcard-Signature"], body, int(clock.now().timestamp()))
    assert not verify(secret, headers["Stampcard-Signature"], body + b" ", int(clock.now().timestamp()))
    event = json.loads(body)
    assert event["type"] == "stamp.added" and event["data"]["member_number"] == number
    assert event["data"]["stamps"] == 1 and event["data"]["store_id"] == await store_id()
