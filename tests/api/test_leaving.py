""" "Meld meg ut": after leaving, no table holds the member's phone, e-mail, name or birthday, no push
subscription remains, unredeemed rewards are cancelled, the figures stay, and the same number joins
again as a brand-new member."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from piccolo.conf.apps import Finder

from backend.accounts.tables import MemberPasskey
from backend.cards.tables import LedgerEntry, Program, Reward
from backend.clock import FrozenClock
from backend.integrations.tables import WebhookDelivery, WebhookEvent
from backend.members.tables import ConsentEvent, Member
from backend.outbox import write_one
from backend.push.tables import Notification, PushSubscription
from digital_stampcard.effects import Push
from tests.api.helpers import Browser, call
from tests.api.test_audit import scan_id

PHONE = "975 31 864"
E164 = "+4797531864"
EMAIL = "solveigunn.aasheim@example.no"
NAME = "Solveigunn"
BIRTHDAY = "1987-03-14"


async def everything_in_the_database() -> str:
    """Every value in every row of every table, as text (a date as 1987-03-14)."""
    dump = []
    for table in Finder().get_table_classes():
        dump += [f"{table._meta.tablename}: {value}" for row in await table.select() for value in row.values()]
    return "\n".join(dump)


async def member_with_a_life(new_browser: Callable[[], Browser], clock: FrozenClock) -> tuple[Browser, Member]:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, till = new_browser(), new_browser()
    await phone.join(PHONE, marketing={"push": True, "email": False, "sms": False})
    await till.staff_login("kasse1")
    await phone.patch("/api/me/profile", {"first_name": NAME, "birthday": BIRTHDAY})
    sid = await scan_id(till, phone, clock)
    await till.stamp(sid, count=5)
    await till.stamp(sid, count=5)  # a full card: an unredeemed reward
    member = await Member.objects().where(Member.phone == E164).first()
    assert member is not None
    now = clock.now()
    await PushSubscription.insert(
        PushSubscription(
            member=member.id,
            endpoint="https://push.example/solveigunn",
            p256dh="k",
            auth="a",
            vapid_key_id="v",
            user_agent="Mozilla/5.0 (iPhone)",
            created_at=now,
            last_seen_at=now,
        )
    )
    await MemberPasskey.insert(
        MemberPasskey(
            credential_id="cred-1", member=member.id, public_key="pk", label="Safari · iPhone", created_at=now
        )
    )
    await write_one(Push(member.id, "birthday", 2026, {"name": NAME, "reward": "Gratis kaffe"}), now)
    return phone, member


async def test_leaving_erases_the_person_and_keeps_the_figures(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone, member = await member_with_a_life(new_browser, clock)
    second_phone = new_browser()
    await second_phone.join(PHONE)
    by_email = new_browser()
    await by_email.join(EMAIL)
    await by_email.patch("/api/me/profile", {"first_name": "Annen"})
    before = await everything_in_the_database()
    assert E164 in before and NAME in before and BIRTHDAY in before and EMAIL in before
    ledger_rows = await LedgerEntry.count()

    refused = await phone.post("/api/me/leave", {"confirm": False})
    assert refused.status_code == 400 and (await phone.get("/api/me")).status_code == 200
    response = await phone.post("/api/me/leave", {"confirm": True})
    assert response.status_code == 200, response.text
    assert "max-age=0" in response.headers["set-cookie"].lower()
    left = await by_email.post("/api/me/leave", {"confirm": True})
    assert left.status_code == 200

    after = await everything_in_the_database()
    for personal in (E164, "97531864", EMAIL, NAME, BIRTHDAY, "solveigunn"):
        assert personal.lower() not in after.lower(), personal
    assert await PushSubscription.count() == 0 and await MemberPasskey.count() == 0
    for browser in (phone, second_phone, by_email):
        assert (await browser.get("/api/me")).status_code == 401
    rewards = await Reward.select(Reward.status, Reward.revoked_reason).where(Reward.member == member.id)
    assert rewards == [{"status": "revoked", "revoked_reason": "member_left"}]
    latest: dict[str, bool] = {}
    for c in await ConsentEvent.select().where(ConsentEvent.member == member.id).order_by(ConsentEvent.id):
        latest[c["purpose"]] = c["granted"]
    assert latest and not any(latest.values())
    assert all(
        n["data"] == {}
        for n in await Notification.select().where(Notification.member == member.id).output(load_json=True)
    )

    # The figures stay: the anonymous member and its ledger (plus the cancellation).
    anonymous = await Member.objects().where(Member.id == member.id).first()
    assert anonymous is not None and anonymous.left_at is not None and anonymous.member_number.startswith("0")
    assert anonymous.joined_at == member.joined_at and anonymous.source_store == member.source_store
    assert await LedgerEntry.count() == ledger_rows + 1

    # The same number can join again: a brand-new member with an empty card.
    again = new_browser()
    joined = await again.join(PHONE)
    assert joined["new_member"] is True and joined["member"]["member_number"] != member.member_number
    home = (await again.get("/api/me")).json()
    assert home["rewards"] == [] and home["activity"] == []


async def test_leaving_needs_a_member_and_an_explicit_yes(new_browser: Callable[[], Browser]) -> None:
    assert (await call(new_browser(), "POST", "/api/me/leave", {"confirm": True})).status_code == 401
    till = new_browser()
    await till.staff_login("kasse1")
    assert (await call(till, "POST", "/api/me/leave", {"confirm": True})).status_code == 403
    phone = new_browser()
    await phone.join(PHONE)
    missing: Any = await phone.post("/api/me/leave", {})
    assert missing.status_code == 400 and (await phone.get("/api/me")).status_code == 200


async def test_a_webhook_tells_the_shop_system_who_left_by_number_only(
    new_browser: Callable[[], Browser], owner: Browser
) -> None:
    hook = await owner.post("/api/admin/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["member.left"]})
    assert hook.status_code == 201, hook.text
    phone = new_browser()
    number = (await phone.join(PHONE))["member"]["member_number"]
    await phone.patch("/api/me/profile", {"first_name": NAME})
    assert (await phone.post("/api/me/leave", {"confirm": True})).status_code == 200
    [event] = await WebhookEvent.select().where(WebhookEvent.event == "member.left").output(load_json=True)
    assert event["payload"]["data"]["member_number"] == number
    assert set(event["payload"]["data"]) == {"member_number", "left_at"}
    assert await WebhookDelivery.count() == 1


async def test_an_address_the_member_had_before_is_gone_too(new_browser: Callable[[], Browser]) -> None:
    """A member who moved from a phone to an e-mail and then leaves: neither address stays, nor the
    codes and messages that went to them."""
    phone = new_browser()
    await phone.join(PHONE)
    await phone.patch("/api/me/profile", {"birthday": BIRTHDAY})
    assert (await phone.post("/api/me/contact/start", {"identifier": EMAIL})).status_code == 202
    code = await phone.latest_code(EMAIL)
    assert (await phone.post("/api/me/contact/verify", {"identifier": EMAIL, "code": code})).status_code == 200
    assert E164 not in await everything_in_the_database()  # the old number went with the move
    assert (await phone.post("/api/me/leave", {"confirm": True})).status_code == 200
    after = (await everything_in_the_database()).lower()
    for personal in (E164, "97531864", EMAIL, BIRTHDAY):
        assert personal.lower() not in after, personal
    [left] = await Member.select(Member.birthday_set_at, Member.member_number).where(Member.left_at.is_not_null())
    assert left["birthday_set_at"] is None and left["member_number"].startswith("0")
    # The till cannot find the anonymous number either.
    till = new_browser()
    await till.staff_login("kasse1")
    assert (await till.scan(left["member_number"])).status_code == 404
