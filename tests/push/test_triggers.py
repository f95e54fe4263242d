"""Each trigger produces exactly the expected notification, once; quiet hours and consent hold."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta

import pytest
from litestar import Litestar

from backend.cards.tables import Program, Reward
from backend.clock import FrozenClock
from backend.members.tables import Member
from backend.outbox import write_one
from backend.push.tables import Notification
from backend.schedules import enqueue_due
from backend.worker import Worker
from digital_stampcard.clock import OSLO
from digital_stampcard.effects import Push
from tests.api.helpers import Browser
from tests.push.fake_push_service import FakePushService, FakeSubscription
from tests.push.test_delivery import subscribed_member


@pytest.fixture
async def push() -> AsyncIterator[FakePushService]:
    async with FakePushService() as service:
        yield service


@pytest.fixture
async def worker(app: Litestar, client: object) -> AsyncIterator[Worker]:
    ctx = app.state["ctx"]
    async with Worker(ctx, concurrency=8) as d:
        yield d


async def member_row() -> Member:
    member = await Member.objects().first()
    assert member is not None
    return member


async def only_message(push: FakePushService, subscription: FakeSubscription) -> dict[str, str]:
    [message] = push.received_for(subscription)
    return dict(message.json["notification"])


async def test_reward_expiring_in_three_days_is_announced_once(
    new_browser: Callable[[], Browser], clock: FrozenClock, app: Litestar, push: FakePushService, worker: Worker
) -> None:
    _, subscription = await subscribed_member(new_browser, push)
    member = await member_row()
    program = await Program.objects().first()
    assert program is not None
    await Reward.insert(
        Reward(
            member=member.id,
            program=program.id,
            title="Gratis kaffe",
            status="active",
            issued_at=clock.now() - timedelta(days=28),
            expires_at=clock.now() + timedelta(days=2, hours=3),
        )
    )
    ctx = app.state["ctx"]
    await enqueue_due(ctx, clock.now())
    await enqueue_due(ctx, clock.now())  # a second scan (or a second worker) adds nothing
    assert await Notification.count() == 1
    await worker.run_once()
    await push.wait_for(1)
    note = await only_message(push, subscription)
    assert note["title"] == "Gratis kaffe går ut om 2 dager" and "reward=" in note["navigate"]


async def test_birthday_greeting_waits_for_the_morning(
    new_browser: Callable[[], Browser], clock: FrozenClock, app: Litestar, push: FakePushService, worker: Worker
) -> None:
    _, subscription = await subscribed_member(new_browser, push)
    clock.advance(hours=11)  # 21:00 UTC = 22:00 in Oslo: quiet hours
    today = clock.now().date()
    await Member.update({Member.first_name: "Kari", Member.birthday: date(1990, today.month, today.day)}).where(
        Member.id > 0
    )
    await enqueue_due(app.state["ctx"], clock.now())
    await worker.run_once()
    assert push.received == []
    deferred = await Notification.objects().first()
    assert deferred is not None and deferred.status == "pending"
    assert deferred.due_at.astimezone(OSLO).hour == 9
    clock.at = deferred.due_at
    await worker.run_once()
    await push.wait_for(1)
    note = await only_message(push, subscription)
    assert note["title"] == "Gratulerer med dagen, Kari!" and "Gratis kaffe" in note["body"]
    assert await Reward.count().where(Reward.status == "active") == 1  # the birthday reward, once
    await enqueue_due(app.state["ctx"], clock.now())
    assert await Reward.count() == 1


async def test_we_miss_you_needs_marketing_consent_and_comes_once_per_absence(
    new_browser: Callable[[], Browser], clock: FrozenClock, app: Litestar, push: FakePushService, worker: Worker
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    await Member.update({Member.last_visit_at: clock.now() - timedelta(days=50)}).where(Member.id > 0)
    ctx = app.state["ctx"]
    await enqueue_due(ctx, clock.now())
    await worker.run_once()
    assert push.received == []
    assert (await Notification.objects().first()).skip_reason == "no_consent"  # type: ignore[union-attr]

    await phone.patch("/api/me/push/settings", {"offers": True})
    await Member.update({Member.last_visit_at: clock.now() - timedelta(days=46)}).where(Member.id > 0)  # a new absence
    await enqueue_due(ctx, clock.now())
    await enqueue_due(ctx, clock.now())
    await worker.run_once()
    await push.wait_for(1)
    assert (await only_message(push, subscription))["title"] == "Vi savner deg"
    assert await Notification.count().where(Notification.kind == "we_miss_you") == 2


async def test_tier_demotion_warning_thirty_days_before_the_review(
    new_browser: Callable[[], Browser], clock: FrozenClock, app: Litestar, push: FakePushService, worker: Worker
) -> None:
    _, subscription = await subscribed_member(new_browser, push)
    await Member.update({Member.tier_code: "solv", Member.tier_review_at: clock.now() + timedelta(days=20)}).where(
        Member.id > 0
    )
    await enqueue_due(app.state["ctx"], clock.now())
    await worker.run_once()
    await push.wait_for(1)
    note = await only_message(push, subscription)
    assert note["title"] == "Nivået ditt vurderes snart"
    assert "Bronse" in note["body"] and "10 stempler" in note["body"]


async def test_at_most_two_marketing_pushes_a_week(
    new_browser: Callable[[], Browser], clock: FrozenClock, app: Litestar, push: FakePushService, worker: Worker
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    await phone.patch("/api/me/push/settings", {"offers": True})
    member = await member_row()
    for day in range(4):  # an offer a day; the third and fourth in the same week must not go out
        await write_one(
            Push(member.id, "campaign", day, {"title": f"Tilbud {day}", "body": "Kom innom", "campaign_id": day}),
            clock.now(),
        )
        await worker.run_once()
        clock.advance(days=1)
    titles = [m.json["notification"]["title"] for m in push.received_for(subscription)]
    assert titles == ["Tilbud 0", "Tilbud 1"]
    reasons = [n["skip_reason"] for n in await Notification.select(Notification.skip_reason).order_by(Notification.id)]
    assert reasons == [None, None, "weekly_cap", "weekly_cap"]
    clock.advance(days=4)  # a week after the first offer there is room again
    await write_one(
        Push(member.id, "campaign", 9, {"title": "Tilbud 9", "body": "Kom innom", "campaign_id": 9}), clock.now()
    )
    await worker.run_once()
    assert [m.json["notification"]["title"] for m in push.received_for(subscription)][-1] == "Tilbud 9"


async def test_the_weekly_cap_holds_inside_one_batch_also_for_offers_held_until_morning(
    new_browser: Callable[[], Browser], clock: FrozenClock, app: Litestar, push: FakePushService, worker: Worker
) -> None:
    phone, subscription = await subscribed_member(new_browser, push)
    await phone.patch("/api/me/push/settings", {"offers": True})
    member = await member_row()
    clock.advance(hours=11)  # 22:00 in Oslo: the offers wait for the morning
    for n in range(3):
        data = {"title": f"Tilbud {n}", "body": "Kom innom", "campaign_id": n}
        await write_one(Push(member.id, "campaign", n, data), clock.now())
    await worker.run_once()  # one batch decides all three: two are scheduled, so the third is over the cap
    rows = await Notification.select(Notification.status, Notification.skip_reason, Notification.due_at).order_by(
        Notification.id
    )
    assert [(r["status"], r["skip_reason"]) for r in rows] == [
        ("pending", None),
        ("pending", None),
        ("skipped", "weekly_cap"),
    ]
    assert {r["due_at"].astimezone(OSLO).hour for r in rows[:2]} == {9}
    clock.at = rows[0]["due_at"]
    await worker.run_once()
    titles = sorted(m.json["notification"]["title"] for m in await push.wait_for(2))
    assert titles == ["Tilbud 0", "Tilbud 1"]
    assert [m.topic for m in push.received_for(subscription)] in (["c0", "c1"], ["c1", "c0"])
