"""Owner campaigns end to end: reach before sending, release into the outbox, delivery through the local
push service (VAPID checked, payload decrypted), early access, quiet hours, the weekly cap, receipts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from litestar import Litestar

from backend.campaigns.release import release_due
from backend.clock import FrozenClock
from backend.members.tables import Member
from backend.push.dispatcher import Outcome
from backend.push.receipts import delivery_from_token
from backend.push.tables import Notification, PushDelivery
from backend.worker import Worker
from digital_stampcard.clock import OSLO
from tests.api.helpers import Browser
from tests.push.fake_push_service import FakePushService, FakeSubscription
from tests.push.test_delivery import subscribed_member


async def member(
    new_browser: Callable[[], Browser],
    push: FakePushService,
    phone_number: str,
    *,
    offers: bool = True,
    personalised: bool = True,
    interests: list[str] | None = None,
    device: bool = True,
    lang: str = "nb",
) -> tuple[Browser, FakeSubscription | None]:
    if device:
        phone, sub = await subscribed_member(new_browser, push, phone_number)
    else:
        phone, sub = new_browser(), None
        await phone.join(phone_number)
    settings = await phone.patch("/api/me/push/settings", {"offers": offers, "personalised": personalised})
    assert settings.status_code == 200, settings.text
    profile: dict[str, Any] = {"lang": lang}
    if interests is not None:
        profile["interests"] = interests
    assert (await phone.patch("/api/me/profile", profile)).status_code == 200
    return phone, sub


async def create(owner: Browser, **fields: Any) -> dict[str, Any]:
    body = {"title": "Vinterkaffe er her", "body": "Smak den nye vinterblandingen, 20 % i dag.", **fields}
    response = await owner.post("/api/admin/campaigns", body, key=str(uuid.uuid4()))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deliver(app: Litestar, worker: Worker, clock: FrozenClock) -> None:
    await release_due(app.state["ctx"], clock.now())
    while await worker.run_once():
        pass


async def campaign(owner: Browser, campaign_id: int) -> dict[str, Any]:
    return dict((await owner.get(f"/api/admin/campaigns/{campaign_id}")).json())


def receipt(message_json: dict[str, Any]) -> str:
    query = parse_qs(urlsplit(message_json["notification"]["navigate"]).query)
    return query["n"][0]


async def test_reach_counts_consent_devices_and_history_then_only_the_reached_member_gets_it(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    reached, reached_sub = await member(new_browser, push, "91000001", interests=["kaffe"])
    await member(new_browser, push, "91000002", personalised=False, interests=["kaffe"])  # no analysis consent
    await member(new_browser, push, "91000003", offers=False, interests=["kaffe"])  # no marketing consent
    no_device, _ = await member(new_browser, push, "91000004", interests=["kaffe"], device=False)
    outsider, _ = await member(new_browser, push, "91000005", interests=["te"])

    segment = {"interests_any": ["kaffe"]}
    preview = (await owner.post("/api/admin/campaigns/preview", {"segment": segment})).json()
    assert preview["in_segment"] == 4
    assert preview["reach"] == 1
    assert preview["excluded"] == {
        "no_marketing_consent": 1,
        "no_analysis_consent": 1,
        "no_device": 1,
        "no_address": 0,
        "weekly_cap": 0,
    }
    assert preview["moved_by_quiet_hours"] is False  # 11:00 in Oslo

    created = await create(owner, segment=segment, target="offer")
    assert created["status"] == "scheduled"
    await deliver(app, worker, clock)

    [message] = await push.wait_for(1)
    assert push.received_for(reached_sub) == [message]
    note = message.json["notification"]
    assert (note["title"], note["body"]) == ("Vinterkaffe er her", "Smak den nye vinterblandingen, 20 % i dag.")
    assert urlsplit(note["navigate"]).path == f"/offer/{created['id']}"
    assert (message.ttl, message.urgency, message.topic) == (172800, "normal", f"c{created['id']}")

    stats = (await campaign(owner, created["id"]))["stats"]
    assert stats.pop("email")["addressed"] == stats.pop("sms")["addressed"] == 0  # a push campaign
    assert stats == {
        "recipients": 1,  # members without a phone that takes pushes are not written to the outbox
        "skipped": 0,
        "devices": 1,
        "sent": 1,
        "delivered": 0,
        "failed": 0,
        "clicked": 0,
        "pending": 0,
    }
    assert (await campaign(owner, created["id"]))["status"] == "sent"

    token = receipt(message.json)
    assert delivery_from_token(app.state["ctx"].settings.secret_key, token) is not None
    for event in ("received", "opened", "opened"):  # a replay counts nothing twice
        response = await new_browser().client.post("/api/push/receipts", json={"token": token, "event": event})
        assert response.status_code == 204, response.text
    stats = (await campaign(owner, created["id"]))["stats"]
    assert (stats["delivered"], stats["clicked"]) == (1, 1)

    offer = await reached.get(f"/api/me/offers/{created['id']}")
    assert offer.status_code == 200 and offer.json()["title"] == "Vinterkaffe er her"
    for other in (outsider, no_device):  # not sent to them: nothing to see
        refused = await other.get(f"/api/me/offers/{created['id']}")
        assert refused.status_code == 404 and refused.json()["code"] == "offer_not_found"


async def test_a_forged_receipt_is_refused(new_browser: Callable[[], Browser]) -> None:
    client = new_browser().client
    for token in ("1.AAAAAAAAAAAAAAAA", "abc", "99999999999999999999.x", "².AAAAAAAAAAAAAAAA", "1.éééééééééééééééé"):
        response = await client.post("/api/push/receipts", json={"token": token, "event": "opened"})
        assert response.status_code == 400 and response.json()["code"] == "invalid_receipt"


async def test_members_who_chose_english_get_the_english_text(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await member(new_browser, push, "91000011", lang="en")
    await member(new_browser, push, "91000012", lang="nb")
    await create(owner, title_en="Winter coffee is here", body_en="Try the new winter blend.")
    await deliver(app, worker, clock)
    titles = sorted(m.json["notification"]["title"] for m in await push.wait_for(2))
    assert titles == ["Vinterkaffe er her", "Winter coffee is here"]


async def test_higher_tiers_get_it_first_with_early_access(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    gold, gold_sub = await member(new_browser, push, "91000021")
    _, bronze_sub = await member(new_browser, push, "91000022")
    await Member.update({Member.tier_code: "gull"}).where(Member.phone == "+4791000021")
    send_at = datetime(2026, 11, 24, 14, 0, tzinfo=OSLO)  # 13:00 UTC; the clock says 10:00 UTC
    body = {"send_at": send_at.isoformat(), "early_access": {"tiers": ["gull"], "lead_minutes": 120}}
    preview = (await owner.post("/api/admin/campaigns/preview", body)).json()
    assert preview["early"]["reach"] == 1 and preview["reach"] == 2
    assert preview["early"]["send_at"] == "2026-11-24T11:00:00Z"
    created = await create(owner, **body)

    await deliver(app, worker, clock)
    assert push.received == []  # nobody before the early send time
    clock.advance(hours=1)
    await deliver(app, worker, clock)
    assert [m.subscription_id for m in await push.wait_for(1)] == [gold_sub.id]
    assert (await campaign(owner, created["id"]))["status"] == "sending"  # the others still wait
    clock.advance(hours=2)
    await deliver(app, worker, clock)
    assert [m.subscription_id for m in await push.wait_for(2)] == [gold_sub.id, bronze_sub.id]
    assert (await campaign(owner, created["id"]))["status"] == "sent"
    assert gold is not None


async def test_an_evening_campaign_waits_for_the_morning(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await member(new_browser, push, "91000031")
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=OSLO)
    preview = (await owner.post("/api/admin/campaigns/preview", {"send_at": evening.isoformat()})).json()
    assert preview["moved_by_quiet_hours"] is True
    assert preview["send_at"] == "2026-11-25T08:00:00Z"  # 09:00 in Oslo
    created = await create(owner, send_at=evening.isoformat())
    clock.advance(hours=11, minutes=30)  # 22:30 in Oslo
    await deliver(app, worker, clock)
    assert push.received == []
    assert (await campaign(owner, created["id"]))["stats"]["pending"] == 1
    clock.advance(hours=10, minutes=30)  # 09:00 in Oslo
    await deliver(app, worker, clock)
    assert len(await push.wait_for(1)) == 1


async def test_the_weekly_cap_holds_and_the_preview_says_so(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await member(new_browser, push, "91000041")
    for _ in range(2):
        await create(owner)
        await deliver(app, worker, clock)
        clock.advance(days=1)
        await owner.staff_login("eier")  # a new shift: staff sessions last 12 hours
    assert len(await push.wait_for(2)) == 2
    preview = (await owner.post("/api/admin/campaigns/preview", {})).json()
    assert (preview["reach"], preview["excluded"]["weekly_cap"]) == (0, 1)
    third = await create(owner)
    await deliver(app, worker, clock)
    assert len(push.received) == 2
    assert (await campaign(owner, third["id"]))["stats"]["skipped"] == 1
    reason = await Notification.select(Notification.skip_reason).where(Notification.campaign == third["id"]).first()
    assert reason == {"skip_reason": "weekly_cap"}


async def test_consent_withdrawn_after_scheduling_stops_the_offer(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    phone, _ = await member(new_browser, push, "91000051")
    send_at = datetime(2026, 11, 24, 15, 0, tzinfo=OSLO)
    created = await create(owner, send_at=send_at.isoformat())
    assert (await phone.patch("/api/me/push/settings", {"offers": False})).status_code == 200
    clock.advance(hours=4)
    await deliver(app, worker, clock)
    assert push.received == []
    assert (await campaign(owner, created["id"]))["stats"]["recipients"] == 0


async def test_a_scheduled_campaign_can_be_cancelled_until_it_goes_out(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await member(new_browser, push, "91000061")
    later = datetime(2026, 11, 24, 15, 0, tzinfo=OSLO).isoformat()
    first, second = await create(owner, send_at=later), await create(owner, send_at=later)
    cancelled = await owner.post(f"/api/admin/campaigns/{first['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    clock.advance(hours=4)
    await deliver(app, worker, clock)
    assert len(await push.wait_for(1)) == 1  # only the second one
    too_late = await owner.post(f"/api/admin/campaigns/{second['id']}/cancel")
    assert too_late.status_code == 409 and too_late.json()["code"] == "campaign_already_sent"
    assert await PushDelivery.count() == 1


async def test_withdrawing_personalised_offers_after_release_takes_the_member_out(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    phone, _ = await member(new_browser, push, "91000071", interests=["kaffe"])
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=OSLO)
    created = await create(owner, send_at=evening.isoformat(), segment={"interests_any": ["kaffe"]})
    clock.advance(hours=11, minutes=30)  # 22:30 in Oslo: written to the outbox, held until the morning
    await deliver(app, worker, clock)
    assert (await campaign(owner, created["id"]))["stats"]["pending"] == 1
    assert (await phone.patch("/api/me/push/settings", {"personalised": False})).status_code == 200
    clock.advance(hours=10, minutes=30)  # 09:00
    await deliver(app, worker, clock)
    assert push.received == []
    reason = await Notification.select(Notification.skip_reason).where(Notification.campaign == created["id"]).first()
    assert reason == {"skip_reason": "no_consent"}


async def test_an_offer_waiting_for_a_retry_is_not_sent_after_the_member_says_no(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    phone, sub = await member(new_browser, push, "91000081")
    assert sub is not None
    push.respond(sub, 429)  # the push service is busy: the offer waits for a retry
    created = await create(owner)
    await deliver(app, worker, clock)
    assert (await campaign(owner, created["id"]))["stats"]["pending"] == 1
    assert (await phone.patch("/api/me/push/settings", {"offers": False})).status_code == 200
    clock.advance(hours=2)
    await deliver(app, worker, clock)
    assert push.received == []
    row = await PushDelivery.select(PushDelivery.status, PushDelivery.last_error).first()
    assert row == {"status": "withdrawn", "last_error": "consent withdrawn"}
    stats = (await campaign(owner, created["id"]))["stats"]
    assert (stats["sent"], stats["failed"], stats["pending"]) == (0, 0, 0)


async def test_a_late_answer_from_a_lapsed_claim_never_overwrites_the_new_one(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await member(new_browser, push, "91000091")
    await create(owner)
    await release_due(app.state["ctx"], clock.now())
    await worker.push.expand_due()
    [stale] = await worker.push.claim()  # this worker stalls past its lease...
    clock.advance(seconds=61)
    await worker.run_once()  # ...and another round takes the delivery over and sends it
    assert len(await push.wait_for(1)) == 1
    await worker.push._record([Outcome(stale.id, stale.subscription_id, stale.attempts, 503)])
    row = await PushDelivery.select(PushDelivery.status, PushDelivery.attempts).first()
    assert row == {"status": "sent", "attempts": 2}


async def test_cancelling_during_early_access_stops_the_rest(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    _, gold_sub = await member(new_browser, push, "91000101")
    await member(new_browser, push, "91000102")
    await Member.update({Member.tier_code: "gull"}).where(Member.phone == "+4791000101")
    created = await create(owner, early_access={"tiers": ["gull"], "lead_minutes": 120})
    await deliver(app, worker, clock)
    assert [m.subscription_id for m in await push.wait_for(1)] == [gold_sub.id]
    cancelled = await owner.post(f"/api/admin/campaigns/{created['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["stats"]["sent"] == 1
    clock.advance(hours=3)
    await deliver(app, worker, clock)
    assert len(push.received) == 1
    again = await owner.post(f"/api/admin/campaigns/{created['id']}/cancel")
    assert again.status_code == 200  # already stopped: nothing more to do
