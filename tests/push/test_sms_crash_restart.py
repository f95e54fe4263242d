"""Killing the worker in the middle of an SMS campaign: a restarted worker finishes it and every member
gets the SMS exactly once. `stampcard worker` processes against the local fake gateway, on both engines.

Why exactly once holds for SMS where push can only promise "replaced": every SMS keeps one reference
("n<notification id>") on every try, the gateway's id is recorded the moment it answers, and the generic
gateway's contract makes the reference an idempotency key. A delivery the dead worker had handed over is
found by its reference and not sent again; one it was sending at the instant of the kill is sent again
with the same reference, and the gateway answers it with the first message's id."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.accounts.tables import StaffAccount
from backend.campaigns.tables import Campaign
from backend.db import write_transaction
from backend.members.tables import ConsentEvent, Member
from backend.outbox import write_one
from backend.push.tables import MessageDelivery, Notification
from backend.settings import Settings
from digital_stampcard.effects import Push
from tests.fake_sms_gateway import CALLBACK_TOKEN, FakeSmsGateway
from tests.push.conftest import client  # noqa: F401  (a fixture)
from tests.push.test_crash_restart import Worker, midday  # noqa: F401  (a fixture)

MEMBERS = 200


@pytest.fixture
async def gateway() -> AsyncIterator[FakeSmsGateway]:
    async with FakeSmsGateway() as fake:
        yield fake


def sms_env(gateway: FakeSmsGateway) -> dict[str, str]:
    return {
        "SMS_TRANSPORT": "generic",
        "SMS_GATEWAY_URL": gateway.url + "/generic/send",
        "SMS_GATEWAY_PASSWORD": gateway.password,
        "SMS_CALLBACK_TOKEN": CALLBACK_TOKEN,
        "SMS_DAILY_SEGMENT_BUDGET": "100000",
        "PUSH_CLAIM_LEASE_SECONDS": "2",
    }


async def sms_campaign(now: datetime) -> dict[str, int]:
    """A released SMS campaign with one outbox row per member; every member said yes to SMS offers."""
    owner = await StaffAccount.select(StaffAccount.id).where(StaffAccount.username == "eier")
    [campaign] = await Campaign.insert(
        Campaign(
            title="Vaffeltorsdag",
            body="Halv pris på vafler i dag.",
            channel="sms",
            segment={},
            send_at=now,
            release_at=now,
            status="released",
            created_by=owner[0]["id"],
            created_at=now,
            released_at=now,
        )
    ).returning(Campaign.id)
    members = await Member.insert(
        *(
            Member(
                member_number=f"S{i:08d}",
                phone=f"+479{i:07d}",
                lang="nb",
                tier_review_at=now + timedelta(days=365),
                joined_at=now,
            )
            for i in range(MEMBERS)
        )
    ).returning(Member.id, Member.phone)
    await ConsentEvent.insert(
        *(
            ConsentEvent(
                member=m["id"], purpose="marketing_sms", granted=True, text_version="t1", source="test", created_at=now
            )
            for m in members
        )
    )
    data = {"title": "Vaffeltorsdag", "body": "Halv pris på vafler i dag.", "campaign_id": campaign["id"]}
    async with write_transaction(Notification._meta.db):
        for m in members:
            assert await write_one(Push(m["id"], "campaign", campaign["id"], {**data, "channel": "sms"}), now)
    await Notification.update({Notification.campaign: campaign["id"]}).where(Notification.kind == "campaign")
    return {m["phone"]: m["id"] for m in members}


async def test_sigkill_mid_sms_campaign_then_a_restart_sends_every_member_exactly_one_sms(
    gateway: FakeSmsGateway,
    settings: Settings,
    midday: timedelta,  # noqa: F811  (a fixture)
    tmp_path: Path,
    client: object,  # noqa: F811  (the app, with the test club seeded)
) -> None:
    phones = await sms_campaign(datetime.now(UTC) + midday)
    gateway.delay = 0.1  # about PUSH_CONCURRENCY SMS are in flight at any moment
    first = await Worker(settings, midday, tmp_path / "first.log", **sms_env(gateway)).start()
    try:

        async def some_taken() -> bool:
            return len(gateway.received) >= 60

        await _until(some_taken, first)
        first.signal(signal.SIGKILL)
        assert await first.stopped() == -signal.SIGKILL
    finally:
        await first.close()
    assert 0 < len(gateway.received) < MEMBERS, "the kill should come mid-campaign"
    assert await MessageDelivery.count().where(MessageDelivery.status == "sending") > 0, "with sends in flight"

    gateway.delay = 0.0
    second = await Worker(settings, midday, tmp_path / "second.log", **sms_env(gateway)).start()
    try:
        await _until(_all_sent, second, timeout=60)
        second.signal(signal.SIGTERM)
        assert await second.stopped() == 0, second.output()
    finally:
        await second.close()

    per_phone = Counter(sms.to for sms in gateway.received)
    assert per_phone == Counter(dict.fromkeys(phones, 1))  # every member, exactly once
    assert {sms.reference for sms in gateway.received} == {f"n{n}" for n in await _notification_ids()}
    assert all(sms.text.startswith("Testkaffe: Vaffeltorsdag\n") for sms in gateway.received)


async def _all_sent() -> bool:
    return await MessageDelivery.count().where(MessageDelivery.status == "sent") == MEMBERS


async def _notification_ids() -> list[int]:
    return [r["id"] for r in await Notification.select(Notification.id)]


async def _until(condition: Callable[[], Awaitable[bool]], worker: Worker, timeout: float = 30) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(worker.output())
        await asyncio.sleep(0.05)
