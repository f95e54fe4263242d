"""Push delivery end to end: a stamp writes the outbox, the worker sends through a local push
service that verifies VAPID and decrypts every payload."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from litestar import Litestar

from backend.cards.tables import Program, Reward
from backend.clock import FrozenClock
from backend.members.tables import ConsentEvent, Member
from backend.outbox import write_one
from backend.push.receipts import delivery_from_token
from backend.push.tables import Notification, PushDelivery, PushSubscription
from backend.worker import Worker
from digital_stampcard.effects import Push
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser
from tests.push.fake_push_service import FakePushService, FakeSubscription


async def subscribed_member(
    new_browser: Callable[[], Browser], push: FakePushService, phone_number: str = "91234567"
) -> tuple[Browser, FakeSubscription]:
    phone = new_browser()
    await phone.join(phone_number)
    key = (await phone.get("/api/push/key")).json()
    subscription = push.new_subscription(application_server_key=key["application_server_key"])
    response = await phone.post("/api/me/push/subscriptions", {**subscription.info, "key_id": key["key_id"]})
    assert response.status_code == 204, response.text
    return phone, subscription


def opens(message_json: dict[str, Any], secret: str) -> tuple[str, int]:
    """The page a push opens and the delivery its receipt token names (the token must be genuine)."""
    url = urlsplit(message_json["notification"]["navigate"])
    query = parse_qs(url.query)
    [token] = query.pop("n")
    delivery_id = delivery_from_token(secret, token)
    assert delivery_id is not None, f"forged or broken receipt token {token!r}"
    rest = "&".join(f"{k}={v}" for k, values in query.items() for v in values)
    return url.path + (f"?{rest}" if rest else ""), delivery_id


async def stamp(
    new_browser: Callable[[], Browser], phone: Browser, clock: FrozenClock, count: int = 1, till: Browser | None = None
) -> dict[str, object]:
    if till is None:
        till = new_browser()
        await till.staff_login()
    scan = (await till.scan(phone.qr(time_step(clock.now())))).json()["scan_id"]
    return dict((await till.stamp(scan, count=count)).json())


async def test_first_stamp_sends_the_welcome_push_with_real_vapid_and_encryption(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker, app: Litestar
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    await stamp(new_browser, phone, clock)
    assert await Notification.count() == 1  # written in the stamp's own transaction
    await worker.run_once()
    [message] = await push.wait_for(1)
    assert message.subscription_id == subscription.id
    assert message.json["web_push"] == 8030
    assert message.json["notification"]["title"] == "Velkommen i klubben"
    navigate = message.json["notification"]["navigate"]
    assert navigate.startswith("http://testserver.local/?n=")  # the app's origin, with the receipt token
    delivery = await PushDelivery.objects().first()
    assert delivery is not None
    assert opens(message.json, app.state["ctx"].settings.secret_key) == ("/", delivery.id)
    assert message.ttl > 0 and message.urgency == "normal"
    assert message.claims.aud == push.origin and message.exp_ahead <= 12 * 3600
    assert message.claims.sub.startswith(("mailto:", "https:"))
    assert (await PushDelivery.objects().first()).status == "sent"  # type: ignore[union-attr]
    await worker.run_once()
    assert len(push.received) == 1  # nothing is sent twice


async def test_a_full_card_sends_stamp_and_reward_messages_with_their_topics(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker, app: Litestar
) -> None:
    await Program.update({Program.daily_cap: 20}).where(Program.id > 0)
    phone, subscription = await subscribed_member(new_browser, push)
    await stamp(new_browser, phone, clock, count=5)  # welcome
    clock.advance(minutes=2)
    await stamp(new_browser, phone, clock, count=5)  # stamp received (0 of 10 on the new card) + reward ready
    await worker.run_once()
    messages = await push.wait_for(4)
    by_title = {m.json["notification"]["title"]: m for m in messages}
    assert set(by_title) == {
        "Velkommen i klubben",
        "Stempel registrert",
        "Belønningen din er klar!",
        "Gratulerer, du er nå Sølv!",
    }
    assert by_title["Gratulerer, du er nå Sølv!"].topic == "tier"
    assert by_title["Stempel registrert"].topic == "card" and by_title["Stempel registrert"].urgency == "high"
    reward = by_title["Belønningen din er klar!"]
    assert reward.topic == "rewards" and "Gratis kaffe" in reward.json["notification"]["body"]
    reward_id = (await Reward.objects().first()).id  # type: ignore[union-attr]
    secret = app.state["ctx"].settings.secret_key
    assert opens(reward.json, secret)[0] == f"/?reward={reward_id}"
    tokens = {opens(m.json, secret)[1] for m in messages}  # each message names its own delivery
    assert tokens == {d["id"] for d in await PushDelivery.select(PushDelivery.id)}


async def test_gone_subscription_is_deleted(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    push.gone(subscription)
    await stamp(new_browser, phone, clock)
    await worker.run_once()
    assert await PushSubscription.count() == 0
    assert (await PushDelivery.objects().first()).status == "gone"  # type: ignore[union-attr]


async def test_too_many_requests_is_retried_after_retry_after(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    push.respond(subscription, 429, retry_after=120)
    await stamp(new_browser, phone, clock)
    await worker.run_once()
    delivery = await PushDelivery.objects().first()
    assert delivery is not None and delivery.status == "pending" and delivery.response_status == 429
    assert delivery.next_attempt_at >= clock.now() + timedelta(seconds=120)
    await worker.run_once()
    assert push.received == []  # not before Retry-After
    clock.advance(seconds=150)
    await worker.run_once()
    assert len(await push.wait_for(1)) == 1
    assert push.attempts_for(subscription) == 2


async def test_bad_request_flags_the_subscription(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    push.respond(subscription, 413)
    await stamp(new_browser, phone, clock)
    await worker.run_once()
    row = await PushSubscription.objects().first()
    assert row is not None and row.flagged_at is not None and "413" in (row.flag_reason or "")


async def test_service_messages_can_be_turned_off_and_offers_follow_the_consent_ledger(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    phone, _ = await subscribed_member(new_browser, push)
    settings = (await phone.patch("/api/me/push/settings", {"service": False, "offers": True})).json()
    assert (settings["service"], settings["offers"], settings["devices"]) == (False, True, 1)
    await phone.patch("/api/me/push/settings", {"offers": False})
    events = await ConsentEvent.select(ConsentEvent.purpose, ConsentEvent.granted, ConsentEvent.source).where(
        ConsentEvent.purpose == "marketing_push"
    )
    assert [(e["granted"], e["source"]) for e in events] == [(True, "push_settings"), (False, "push_settings")]
    await stamp(new_browser, phone, clock)
    await worker.run_once()
    assert push.received == []
    assert (await Notification.objects().first()).skip_reason == "service_off"  # type: ignore[union-attr]


async def test_a_crashed_claim_is_sent_once_after_its_lease(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    phone, _ = await subscribed_member(new_browser, push)
    await stamp(new_browser, phone, clock)
    await worker.push.expand_due()
    assert len(await worker.push.claim()) == 1  # a worker claims it, then dies before sending
    await worker.run_once()
    assert push.received == []  # still leased to the dead worker
    clock.advance(seconds=61)
    await worker.run_once()
    assert len(await push.wait_for(1)) == 1


async def test_two_dispatchers_never_send_the_same_message_twice(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, app: Litestar, worker: Worker
) -> None:
    subscriptions = []
    till = new_browser()
    await till.staff_login()
    for i in range(12):
        phone, subscription = await subscribed_member(new_browser, push, f"9{i:02d}12345")
        subscriptions.append(subscription)
        await stamp(new_browser, phone, clock, till=till)
    ctx = app.state["ctx"]
    async with Worker(ctx, concurrency=16, batch=5) as second:
        worker.push.batch = 5
        for _ in range(6):
            await asyncio.gather(worker.run_once(), second.run_once())
    await push.wait_for(12)
    assert sorted(len(push.received_for(s)) for s in subscriptions) == [1] * 12


async def test_one_round_records_every_kind_of_answer(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    till = new_browser()
    await till.staff_login()
    subscriptions = []
    for i in range(5):
        phone, subscription = await subscribed_member(new_browser, push, f"9{i:02d}12345")
        subscriptions.append(subscription)
        await stamp(new_browser, phone, clock, till=till)
    ok, gone, refused, busy, down = subscriptions
    push.gone(gone)
    push.respond(refused, 413)
    push.respond(busy, 429, retry_after=120)
    push.respond(down, 503)
    await worker.run_once()  # one batch, its answers written in grouped updates

    rows = await PushDelivery.select(
        PushDelivery.status,
        PushDelivery.response_status,
        PushDelivery.sent_at,
        PushDelivery.next_attempt_at,
        PushDelivery.locked_until,
        PushDelivery.notification.member.phone,
    ).order_by(PushDelivery.id)
    now = clock.now()
    by_phone = {r["notification.member.phone"][-8:]: r for r in rows}
    assert [(r["status"], r["response_status"]) for r in by_phone.values()] == [
        ("sent", 201),
        ("gone", 410),
        ("failed", 413),
        ("pending", 429),
        ("pending", 503),
    ]
    assert by_phone["90012345"]["sent_at"] == now
    assert by_phone["90312345"]["next_attempt_at"] >= now + timedelta(seconds=120)  # Retry-After
    assert now + timedelta(seconds=30) <= by_phone["90412345"]["next_attempt_at"] <= now + timedelta(seconds=36)
    assert all(r["locked_until"] is None for r in rows)
    assert await PushSubscription.count() == 4  # the gone one is deleted
    flagged = await PushSubscription.select(PushSubscription.endpoint).where(PushSubscription.flagged_at.is_not_null())
    assert [f["endpoint"] for f in flagged] == [refused.info["endpoint"]]
    assert [m.subscription_id for m in push.received] == [ok.id]


async def test_a_message_that_cannot_be_built_fails_alone(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    await phone.patch("/api/me/push/settings", {"offers": True})
    member = await Member.objects().first()
    assert member is not None
    await write_one(Push(member.id, "campaign", 1, {"body": "no title", "campaign_id": 1}), clock.now())
    await write_one(
        Push(member.id, "campaign", 2, {"title": "Tilbud", "body": "Kom innom", "campaign_id": 2}), clock.now()
    )
    await worker.run_once()
    [message] = await push.wait_for(1)
    assert message.json["notification"]["title"] == "Tilbud" and message.topic == "c2"
    rows = await PushDelivery.select(PushDelivery.status, PushDelivery.last_error).order_by(PushDelivery.id)
    assert rows[0]["status"] == "failed" and rows[0]["last_error"].startswith("cannot build the message")
    assert rows[1]["status"] == "sent"
    await worker.run_once()
    assert len(push.received) == 1  # the broken one is not tried again


async def test_fanning_out_a_notification_again_adds_no_second_delivery(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, worker: Worker
) -> None:
    phone, _ = await subscribed_member(new_browser, push)
    await stamp(new_browser, phone, clock)
    assert await worker.push.expand_due() == 1
    await Notification.update({Notification.status: "pending"}).where(Notification.id > 0)  # as if never marked
    assert await worker.push.expand_due() == 1
    assert await PushDelivery.count() == 1  # the unique "notification:subscription" key holds
    assert (await Notification.objects().first()).status == "expanded"  # type: ignore[union-attr]
    await worker.run_once()
    assert len(await push.wait_for(1)) == 1
