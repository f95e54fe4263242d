"""The owner's stores and staff: who may call it, stores with opening hours, signing out a store's
devices, invites by a one-time e-mail link, disable, reset, and the last-owner rule."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from backend.accounts.passwords import verify_password
from backend.accounts.tables import StaffAccount, StaffInvite
from backend.clock import FrozenClock
from backend.club.tables import Store
from digital_stampcard.member_qr import time_step
from tests.api.helpers import STAFF, Browser, call

HOURS = {
    "mon": [{"opens": "07:00", "closes": "18:00"}],
    "sat": [{"opens": "09:00", "closes": "12:00"}, {"opens": "13:00", "closes": "16:00"}],
    "sun": [],
}
OWNER_CALLS = [
    ("GET", "/api/admin/stores", None),
    ("POST", "/api/admin/stores", {"name": "Torget"}),
    ("GET", "/api/admin/stores/1", None),
    ("PATCH", "/api/admin/stores/1", {"name": "Torget"}),
    ("POST", "/api/admin/stores/1/sign-out-devices", None),
    ("GET", "/api/admin/stores/1/devices", None),
    ("POST", "/api/admin/stores/1/devices/1/sign-out", None),
    ("GET", "/api/admin/staff", None),
    ("GET", "/api/admin/staff/1", None),
    ("PATCH", "/api/admin/staff/1", {"role": "owner"}),
    ("POST", "/api/admin/staff/1/disable", None),
    ("POST", "/api/admin/staff/1/enable", None),
    ("POST", "/api/admin/staff/1/reset", {"email": "a@example.com"}),
    ("POST", "/api/admin/staff/invites", {"name": "Ny", "email": "ny@example.com", "role": "owner"}),
    ("POST", "/api/admin/staff/invites/1/resend", None),
    ("POST", "/api/admin/staff/invites/1/cancel", None),
]


async def staff_id(username: str) -> int:
    account = await StaffAccount.objects().where(StaffAccount.username == username).first()
    assert account is not None
    return account.id


async def store_id(slug: str) -> int:
    store = await Store.objects().where(Store.slug == slug).first()
    assert store is not None
    return store.id


async def link_for(browser: Browser, email: str) -> str:
    """The one-time link in the newest e-mail to `email` (the dev outbox), as a token."""
    messages = (await browser.get("/api/dev/outbox", params={"to": email})).json()
    assert messages, f"no e-mail to {email}"
    found = re.search(r"http://testserver\.local/staff/invite/([A-Za-z0-9_-]{43})\b", messages[0]["body"])
    assert found, messages[0]["body"]
    return found.group(1)


async def invite(owner: Browser, **body: Any) -> Any:
    payload = {"name": "Kari Nordmann", "email": "kari@example.com", "role": "staff", **body}
    if payload["role"] != "owner" and "store_id" not in body:
        payload["store_id"] = await store_id("sentrum")
    return await owner.post("/api/admin/staff/invites", payload)


async def accept(browser: Browser, token: str, username: str | None = "kari", password: str = "lang-hemmelig-1") -> Any:
    body: dict[str, Any] = {"password": password}
    if username is not None:
        body["username"] = username
    return await browser.post(f"/api/staff/invites/{token}/accept", body)


async def is_signed_in(browser: Browser) -> bool:
    response = await browser.get("/api/staff/me")
    assert response.status_code in (200, 401), response.text
    return bool(response.status_code == 200)


# --------------------------------------------------------------------------- who may call


@pytest.mark.parametrize(("method", "url", "body"), OWNER_CALLS)
async def test_only_the_owner_gets_in(new_browser: Callable[[], Browser], method: str, url: str, body: object) -> None:
    anonymous = new_browser()
    assert (await call(anonymous, method, url, body)).status_code == 401

    cashier = new_browser()
    await cashier.staff_login("kasse1")
    response = await call(cashier, method, url, body)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"

    member = new_browser()
    await member.join("91234567")
    assert (await call(member, method, url, body)).status_code == 403
    assert await Store.count() == 2 and await StaffInvite.count() == 0
    assert await StaffAccount.count().where(StaffAccount.disabled_at.is_null()) == 3


async def test_a_manager_works_the_till_but_is_refused_the_back_office(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    assert (await invite(owner, role="manager")).status_code == 201
    manager = new_browser()
    me = (await accept(manager, await link_for(owner, "kari@example.com"))).json()
    assert me["staff"]["role"] == "manager" and me["staff"]["store"]["slug"] == "sentrum"
    phone = new_browser()
    await phone.join("91234567")
    scanned = await manager.scan(phone.qr(time_step(clock.now())))
    assert scanned.status_code == 201, scanned.text
    assert (await manager.get("/api/admin/stores")).status_code == 403


# --------------------------------------------------------------------------- stores


async def test_the_owner_creates_a_store_with_opening_hours(owner: Browser) -> None:
    created = await owner.post(
        "/api/admin/stores",
        {"name": "  Torget   Ålesund ", "address": "Torget 1, 6004 Ålesund", "opening_hours": HOURS},
    )
    assert created.status_code == 201, created.text
    store = created.json()
    assert store["name"] == "Torget Ålesund" and store["slug"] == "torget-alesund"
    assert store["timezone"] == "Europe/Oslo"
    assert store["opening_hours"]["mon"] == [{"opens": "07:00", "closes": "18:00"}]
    assert store["opening_hours"]["tue"] == [] and len(store["opening_hours"]) == 7
    assert store["open_now"] is False  # Tuesday 24 Nov 2026, closed all day
    listed = (await owner.get("/api/admin/stores")).json()
    assert [s["name"] for s in listed["stores"]] == ["Bryggen", "Sentrum", "Torget Ålesund"]
    assert "Europe/Oslo" in listed["timezones"]
    sentrum = next(s for s in listed["stores"] if s["slug"] == "sentrum")
    assert sentrum["staff_count"] == 1  # kasse1; "sluttet" is disabled
    # The public config (join screen, favourite store) knows the new store at once.
    assert "Torget Ålesund" in [s["name"] for s in (await owner.get("/api/config")).json()["stores"]]


async def test_a_store_name_twice_is_refused_and_slugs_stay(owner: Browser) -> None:
    taken = await owner.post("/api/admin/stores", {"name": "sentrum"})
    assert taken.status_code == 409 and taken.json()["field"] == "name"
    sid = await store_id("sentrum")
    changed = await owner.patch(f"/api/admin/stores/{sid}", {"name": "Sentrum Nord", "timezone": "Europe/Stockholm"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "Sentrum Nord" and body["slug"] == "sentrum" and body["timezone"] == "Europe/Stockholm"
    assert (await owner.post("/api/admin/stores", {"name": "Sentrum"})).json()["slug"] == "sentrum-2"
    assert (await owner.get("/api/admin/stores/9999")).status_code == 404


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "  "}, "store_name_missing", "name"),
        ({"name": "x" * 121}, "store_name_too_long", "name"),
        ({"name": "Ok", "timezone": "Mars/Olympus"}, "store_timezone_unknown", "timezone"),
        ({"name": "Ok", "timezone": "../../etc/passwd"}, "store_timezone_unknown", "timezone"),
        (
            {"name": "Ok", "opening_hours": {"mon": [{"opens": "18:00", "closes": "07:00"}]}},
            "store_hours_order",
            "opening_hours.mon",
        ),
        (
            {"name": "Ok", "opening_hours": {"fri": [{"opens": "7:00", "closes": "18:00"}]}},
            "store_hours_invalid",
            "opening_hours.fri",
        ),
        (
            {
                "name": "Ok",
                "opening_hours": {
                    "sat": [{"opens": "09:00", "closes": "14:00"}, {"opens": "13:00", "closes": "16:00"}]
                },
            },
            "store_hours_overlap",
            "opening_hours.sat",
        ),
        ({"name": "Ok", "opening_hours": {"funday": []}}, "store_hours_invalid", "opening_hours"),
        ({"name": "Ok", "slug": "hack"}, "validation_error", None),
    ],
)
async def test_bad_stores_are_refused_with_the_field_named(
    owner: Browser, body: dict[str, Any], code: str, field: str | None
) -> None:
    response = await owner.post("/api/admin/stores", body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    if field:
        assert response.json()["field"] == field
    assert await Store.count() == 2


async def test_signing_out_a_store_ends_its_devices_only(owner: Browser, new_browser: Callable[[], Browser]) -> None:
    till_a, till_b, other_store = new_browser(), new_browser(), new_browser()
    await till_a.staff_login("kasse1")
    await till_b.staff_login("kasse1")
    await other_store.staff_login("kasse2")
    sid = await store_id("sentrum")
    assert (await owner.get(f"/api/admin/stores/{sid}")).json()["devices_signed_in"] == 2

    response = await owner.post(f"/api/admin/stores/{sid}/sign-out-devices")
    assert response.status_code == 200 and response.json() == {"signed_out": 2}
    assert not await is_signed_in(till_a) and not await is_signed_in(till_b)
    assert await is_signed_in(other_store) and await is_signed_in(owner)
    assert (await owner.get(f"/api/admin/stores/{sid}")).json()["devices_signed_in"] == 0
    assert (await till_a.post("/api/staff/scans", {"code": "X"})).status_code == 401
    await till_a.staff_login("kasse1")  # the device simply logs in again
    assert await is_signed_in(till_a)


async def test_the_owner_sees_a_stores_tills_and_signs_out_one(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    till_a, till_b, other_store = new_browser(), new_browser(), new_browser()
    till_a.client.headers["user-agent"] = (
        "Mozilla/5.0 (Linux; Android 14; Lenovo Tab) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    )
    await till_a.staff_login("kasse1")
    await till_b.staff_login("kasse1")
    await other_store.staff_login("kasse2")
    sid, other_sid = await store_id("sentrum"), await store_id("bryggen")
    listed = await owner.get(f"/api/admin/stores/{sid}/devices")
    assert listed.status_code == 200, listed.text
    devices = listed.json()["devices"]
    assert len(devices) == 2 and {d["staff_name"] for d in devices} == {"Kasse1"}
    assert {d["device"] for d in devices} >= {"Chrome · Android"} and not any(d["this_device"] for d in devices)
    tablet = next(d for d in devices if d["device"] == "Chrome · Android")

    # Another store's path cannot reach this till; then the right one signs it out, once.
    wrong = await owner.post(f"/api/admin/stores/{other_sid}/devices/{tablet['session_id']}/sign-out")
    assert wrong.status_code == 404 and await is_signed_in(till_a)
    done = await owner.post(f"/api/admin/stores/{sid}/devices/{tablet['session_id']}/sign-out")
    assert done.status_code == 200 and done.json() == {"signed_out": 1}
    assert not await is_signed_in(till_a) and await is_signed_in(till_b) and await is_signed_in(other_store)
    again = await owner.post(f"/api/admin/stores/{sid}/devices/{tablet['session_id']}/sign-out")
    assert again.status_code == 404
    left = (await owner.get(f"/api/admin/stores/{sid}/devices")).json()["devices"]
    assert len(left) == 1 and left[0]["session_id"] != tablet["session_id"]


# --------------------------------------------------------------------------- invites


async def test_an_invited_person_sets_a_password_and_is_logged_in(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    response = await invite(owner, email="Kari@Example.com")
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["email"] == "kari@example.com" and sent["kind"] == "new" and sent["store"]["slug"] == "sentrum"
    assert "token" not in sent
    token = await link_for(owner, "kari@example.com")
    mail = (await owner.get("/api/dev/outbox", params={"to": "kari@example.com"})).json()[0]
    assert mail["subject"] == "Du er invitert til Testkaffe" and "72 timer" in mail["body"]
    stored = await StaffInvite.objects().first()
    assert stored is not None and token not in stored.token_hash and len(stored.token_hash) == 64

    phone = new_browser()
    info = (await phone.get(f"/api/staff/invites/{token}")).json()
    assert info == {
        "kind": "new",
        "name": "Kari Nordmann",
        "business": "Testkaffe",
        "role": "staff",
        "store": {"id": await store_id("sentrum"), "slug": "sentrum", "name": "Sentrum"},
        "username": None,
        "expires_at": "2026-11-27T10:00:00Z",
    }
    accepted = await accept(phone, token, username=" Kari ")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["staff"]["name"] == "Kari Nordmann" and await is_signed_in(phone)
    account = await StaffAccount.objects().where(StaffAccount.username == "kari").first()
    assert account is not None and account.email == "kari@example.com" and account.password_hash.startswith("$argon2")

    again = await accept(new_browser(), token, username="kari2")
    assert again.status_code == 410 and again.json()["code"] == "invite_used"
    assert (await phone.get(f"/api/staff/invites/{token}")).status_code == 410
    other = new_browser()
    STAFF["kari"] = "lang-hemmelig-1"
    try:
        await other.staff_login("kari")
    finally:
        del STAFF["kari"]
    staff = (await owner.get("/api/admin/staff")).json()
    assert staff["invites"] == []
    kari = next(a for a in staff["accounts"] if a["username"] == "kari")
    assert kari["status"] == "active" and kari["devices_signed_in"] == 2


async def test_links_expire_and_unknown_links_are_refused(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await invite(owner)
    token = await link_for(owner, "kari@example.com")
    assert (await new_browser().get("/api/staff/invites/" + "A" * 43)).status_code == 404
    clock.advance(hours=72)
    expired = await accept(new_browser(), token)
    assert expired.status_code == 410 and expired.json()["code"] == "invite_expired"
    await owner.staff_login("eier")  # a shift is 12 hours: the owner logs in again too
    assert (await owner.get("/api/admin/staff")).json()["invites"][0]["expired"] is True
    # An expired invite does not block a new one to the same address.
    assert (await invite(owner)).status_code == 201
    assert (await accept(new_browser(), await link_for(owner, "kari@example.com"))).status_code == 200


async def test_a_second_invite_is_refused_and_resending_kills_the_old_link(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    first = (await invite(owner)).json()
    old_token = await link_for(owner, "kari@example.com")
    twice = await invite(owner)
    assert twice.status_code == 409 and twice.json()["code"] == "invite_pending"
    assert twice.json()["invite_id"] == first["id"]

    resent = await owner.post(f"/api/admin/staff/invites/{first['id']}/resend")
    assert resent.status_code == 201, resent.text
    new_token = await link_for(owner, "kari@example.com")
    assert new_token != old_token
    revoked = await accept(new_browser(), old_token)
    assert revoked.status_code == 410 and revoked.json()["code"] == "invite_revoked"

    pending = (await owner.get("/api/admin/staff")).json()["invites"]
    assert [i["id"] for i in pending] == [resent.json()["id"]]
    cancelled = await owner.post(f"/api/admin/staff/invites/{resent.json()['id']}/cancel")
    assert cancelled.status_code == 204
    assert (await accept(new_browser(), new_token)).status_code == 410
    assert (await owner.get("/api/admin/staff")).json()["invites"] == []


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": " "}, "staff_name_missing", "name"),
        ({"email": "not-an-address"}, "staff_email_invalid", "email"),
        ({"email": "+4791234567"}, "staff_email_invalid", "email"),
        ({"role": "staff", "store_id": None}, "staff_store_missing", "store_id"),
        ({"role": "manager", "store_id": 9999}, "staff_store_unknown", "store_id"),
        ({"role": "admin"}, "validation_error", None),
    ],
)
async def test_bad_invites_are_refused_with_the_field_named(
    owner: Browser, body: dict[str, Any], code: str, field: str | None
) -> None:
    response = await invite(owner, **body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    if field:
        assert response.json()["field"] == field
    assert await StaffInvite.count() == 0


async def test_an_address_on_the_staff_cannot_be_invited_again(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    await invite(owner)
    await accept(new_browser(), await link_for(owner, "kari@example.com"))
    response = await invite(owner)
    assert response.status_code == 409 and response.json()["code"] == "staff_email_taken"


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("kasse1", "lang-hemmelig-1", "username_taken"),
        ("ka", "lang-hemmelig-1", "username_invalid"),
        ("kari nord", "lang-hemmelig-1", "username_invalid"),
        ("kari", "kort", "password_too_short"),
        ("kari-nordmann", "Kari-Nordmann", "password_is_username"),
        (None, "lang-hemmelig-1", "username_invalid"),
    ],
)
async def test_a_bad_username_or_password_keeps_the_link_usable(
    owner: Browser, new_browser: Callable[[], Browser], username: str | None, password: str, code: str
) -> None:
    await invite(owner)
    token = await link_for(owner, "kari@example.com")
    phone = new_browser()
    response = await accept(phone, token, username=username, password=password)
    assert response.status_code in (400, 409), response.text
    body = response.json()
    assert body["code"] == code and body["field"] in ("username", "password")
    assert not await is_signed_in(phone)
    assert (await accept(phone, token)).status_code == 200


# --------------------------------------------------------------------------- disable, reset, roles


async def test_a_disabled_account_is_signed_out_at_once_and_cannot_log_in(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    till = new_browser()
    await till.staff_login("kasse1")
    kid = await staff_id("kasse1")
    disabled = await owner.post(f"/api/admin/staff/{kid}/disable")
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    assert not await is_signed_in(till)
    login = await till.post("/api/staff/login", {"username": "kasse1", "password": STAFF["kasse1"]})
    assert login.status_code == 403 and login.json()["code"] == "account_disabled"

    assert (await owner.post(f"/api/admin/staff/{kid}/enable")).json()["status"] == "active"
    await till.staff_login("kasse1")
    assert await is_signed_in(till)


async def test_a_disabled_account_is_refused_even_without_revoking(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    """load_session checks the account on every request, not only the session row."""
    till = new_browser()
    await till.staff_login("kasse1")
    await StaffAccount.update({StaffAccount.disabled_at: StaffAccount.created_at}).where(
        StaffAccount.username == "kasse1"
    )
    assert not await is_signed_in(till)


async def test_reset_stops_the_old_password_and_sends_a_new_link(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    till = new_browser()
    await till.staff_login("kasse1")
    kid = await staff_id("kasse1")
    missing = await owner.post(f"/api/admin/staff/{kid}/reset", {})
    assert missing.status_code == 400 and missing.json()["field"] == "email"

    sent = await owner.post(f"/api/admin/staff/{kid}/reset", {"email": "kasse1@example.com", "lang": "en"})
    assert sent.status_code == 201 and sent.json()["kind"] == "reset"
    assert not await is_signed_in(till)
    old = await till.post("/api/staff/login", {"username": "kasse1", "password": STAFF["kasse1"]})
    assert old.status_code == 401
    account = (await owner.get(f"/api/admin/staff/{kid}")).json()
    assert account["status"] == "reset_pending" and account["email"] == "kasse1@example.com"

    token = await link_for(owner, "kasse1@example.com")
    mail = (await owner.get("/api/dev/outbox", params={"to": "kasse1@example.com"})).json()[0]
    assert mail["subject"] == "New password for Testkaffe"
    info = (await till.get(f"/api/staff/invites/{token}")).json()
    assert info["kind"] == "reset" and info["username"] == "kasse1"
    accepted = await accept(till, token, username="ignored", password="helt-nytt-passord")
    assert accepted.status_code == 200, accepted.text
    assert await is_signed_in(till)
    fresh = await StaffAccount.objects().where(StaffAccount.id == kid).first()
    assert fresh is not None and fresh.username == "kasse1"
    assert await verify_password(fresh.password_hash, "helt-nytt-passord")
    # A second reset link revokes the first one; the e-mail on file is used.
    await owner.post(f"/api/admin/staff/{kid}/reset", {})
    assert (await link_for(owner, "kasse1@example.com")) != token


async def test_an_account_waiting_for_its_link_matches_no_password() -> None:
    assert not await verify_password("", "not-a-real-password")
    assert not await verify_password("", "")


async def test_the_last_owner_cannot_step_down(owner: Browser, new_browser: Callable[[], Browser]) -> None:
    me = await staff_id("eier")
    for method, url, body in [
        ("POST", f"/api/admin/staff/{me}/disable", None),
        ("PATCH", f"/api/admin/staff/{me}", {"role": "manager", "store_id": await store_id("sentrum")}),
    ]:
        response = await call(owner, method, url, body)
        assert response.status_code == 409 and response.json()["code"] == "last_owner"
    assert (await owner.post(f"/api/admin/staff/{me}/reset", {"email": "e@example.com"})).json()["code"] == "reset_self"

    await invite(owner, role="owner", email="partner@example.com")
    partner = new_browser()
    await accept(partner, await link_for(owner, "partner@example.com"), username="partner")
    assert (await partner.get("/api/admin/stores")).status_code == 200
    demoted = await owner.patch(f"/api/admin/staff/{me}", {"role": "manager", "store_id": await store_id("sentrum")})
    assert demoted.status_code == 200 and demoted.json()["role"] == "manager"
    assert (await owner.get("/api/admin/stores")).status_code == 403  # the role counts from the next request
    assert await is_signed_in(owner)  # still a till account


async def test_role_and_store_changes(owner: Browser) -> None:
    kid = await staff_id("kasse1")
    moved = await owner.patch(
        f"/api/admin/staff/{kid}", {"role": "manager", "store_id": await store_id("bryggen"), "name": " Kasse  En "}
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["role"] == "manager" and body["store"]["slug"] == "bryggen" and body["name"] == "Kasse En"
    no_store = await owner.patch(f"/api/admin/staff/{kid}", {"store_id": None})
    assert no_store.status_code == 400 and no_store.json()["field"] == "store_id"
    owner_role = await owner.patch(f"/api/admin/staff/{kid}", {"role": "owner", "store_id": None})
    assert owner_role.status_code == 200 and owner_role.json()["store"] is None
    assert (await owner.patch(f"/api/admin/staff/{kid}", {"role": "boss"})).status_code == 400
    assert (await owner.get("/api/admin/staff/9999")).status_code == 404


async def test_the_staff_list_says_who_is_who(owner: Browser) -> None:
    await invite(owner)
    staff = (await owner.get("/api/admin/staff")).json()
    by_name = {a["username"]: a for a in staff["accounts"]}
    assert by_name["eier"]["is_you"] and by_name["eier"]["store"] is None and by_name["eier"]["devices_signed_in"] == 1
    assert by_name["sluttet"]["status"] == "disabled"
    assert by_name["kasse2"]["store"]["slug"] == "bryggen"
    assert [i["email"] for i in staff["invites"]] == ["kari@example.com"]
