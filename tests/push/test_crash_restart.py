"""Killing the worker mid-campaign and restarting it delivers every message, with no duplicates per
member and device: `stampcard worker` processes against the local push service, on both engines.

Exactly once over HTTP is impossible: when a worker dies after the push service accepted a message and
before the database recorded it, nothing can tell the restarted worker that it went out, so it sends it
again. What the worker guarantees instead: a SIGTERM finishes and records every send in flight (no
copy at all); after a SIGKILL, only the sends not yet recorded (at most PUSH_CONCURRENCY) can go out twice,
and the copy carries the same Topic (`c{campaign}`), tag and receipt token, so the push service replaces a
copy it still holds and the phone replaces a notification it already shows."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.accounts.tables import StaffAccount
from backend.campaigns.tables import Campaign
from backend.db import write_transaction
from backend.members.tables import ConsentEvent, Member
from backend.outbox import write_one
from backend.push.receipts import delivery_from_token
from backend.push.tables import Notification, PushDelivery, PushSubscription
from backend.push.vapid import load_identity
from backend.settings import Settings
from backend.worker import STOP_GRACE_SECONDS
from digital_stampcard.clock import OSLO
from digital_stampcard.effects import Push
from tests.conftest import TEST_VAPID_PRIVATE_KEY
from tests.push.fake_push_service import FakePushService, Received

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 300  # every other one with a second device: 450 messages
CONCURRENCY = 16  # PUSH_CONCURRENCY: the worker claims 8 waves (128 deliveries) at a time


@pytest.fixture
async def push() -> AsyncIterator[FakePushService]:
    async with FakePushService() as service:
        yield service


@pytest.fixture
def midday() -> timedelta:
    """How far the clock of these tests and their workers is moved: to midday in Oslo, outside quiet hours."""
    now = datetime.now(UTC)
    return now.astimezone(OSLO).replace(hour=12, minute=0, second=0, microsecond=0) - now


@dataclass
class Sent:
    campaign_id: int
    devices: dict[str, int]  # the push service's subscription id -> member id


async def campaign_to_members(push: FakePushService, settings: Settings, now: datetime) -> Sent:
    """A released campaign with one outbox row per member; every member consents to offers by push and has
    one or two devices."""
    identity = load_identity(settings)
    assert identity is not None
    owner = await StaffAccount.insert(
        StaffAccount(username="eier", name="Eier", password_hash="-", role="owner", created_at=now)
    ).returning(StaffAccount.id)
    campaign = await Campaign.insert(
        Campaign(
            title="Vaffeltorsdag",
            body="Halv pris på vafler i dag.",
            target="offer",
            segment={},
            send_at=now,
            release_at=now,
            status="released",
            created_by=owner[0]["id"],
            created_at=now,
            released_at=now,
        )
    ).returning(Campaign.id)
    campaign_id = campaign[0]["id"]
    members = await Member.insert(
        *(
            Member(member_number=f"C{i:08d}", lang="nb", tier_review_at=now + timedelta(days=365), joined_at=now)
            for i in range(MEMBERS)
        )
    ).returning(Member.id)
    member_ids = [m["id"] for m in members]
    await ConsentEvent.insert(
        *(
            ConsentEvent(
                member=mid, purpose="marketing_push", granted=True, text_version="t1", source="test", created_at=now
            )
            for mid in member_ids
        )
    )
    devices: dict[str, int] = {}
    rows = []
    for i, member_id in enumerate(member_ids):
        for sub in push.new_subscriptions(1 + i % 2, application_server_key=identity.application_server_key):
            devices[sub.id] = member_id
            keys = sub.info["keys"]
            rows.append(
                PushSubscription(
                    member=member_id,
                    endpoint=sub.info["endpoint"],
                    p256dh=keys["p256dh"],
                    auth=keys["auth"],
                    vapid_key_id=identity.key_id,
                    created_at=now,
                    last_seen_at=now,
                )
            )
    await PushSubscription.insert(*rows)
    data = {
        "title": "Vaffeltorsdag",
        "body": "Halv pris på vafler i dag.",
        "navigate": f"/offer/{campaign_id}",
        "campaign_id": campaign_id,
    }
    async with write_transaction(Notification._meta.db):
        for member_id in member_ids:
            assert await write_one(Push(member_id, "campaign", campaign_id, data), now)
    await Notification.update({Notification.campaign: campaign_id}).where(Notification.kind == "campaign")
    return Sent(campaign_id, devices)


class Worker:
    """`stampcard worker` as a process of its own, on the tests' clock, its output in a file."""

    def __init__(self, settings: Settings, midday: timedelta, log: Path, **env: str) -> None:
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "STAMPCARD_ENV": "test",
            "SECRET_KEY": settings.secret_key,
            "PUBLIC_URL": settings.public_url,
            "VAPID_PRIVATE_KEY": TEST_VAPID_PRIVATE_KEY,
            "PUSH_CONCURRENCY": str(CONCURRENCY),
            "STAMPCARD_TEST_CLOCK_OFFSET": str(midday.total_seconds()),
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Worker:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.push.daytime_worker", cwd=ROOT, env=self.env, stdout=out, stderr=out
            )
        return self

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    async def stopped(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def sent_ids() -> set[int]:
    return {r["id"] for r in await PushDelivery.select(PushDelivery.id).where(PushDelivery.status == "sent")}


async def all_recorded_sent(total: int, timeout: float = 30) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while (done := await PushDelivery.count().where(PushDelivery.status == "sent")) < total:
        if time.monotonic() > deadline:
            statuses = await PushDelivery.select(PushDelivery.status, PushDelivery.id.count()).group_by(
                PushDelivery.status
            )
            raise TimeoutError(f"{done} of {total} deliveries recorded as sent after {timeout} s: {statuses}")
        await asyncio.sleep(0.1)


async def drain_with_a_new_worker(
    push: FakePushService, settings: Settings, midday: timedelta, tmp_path: Path, total: int
) -> None:
    """A second worker sends what is left until `total` deliveries are recorded as sent, then stops."""
    second = await Worker(settings, midday, tmp_path / "second.log").start()
    try:
        await push.wait_for(total, timeout=30)
        await all_recorded_sent(total)
        second.signal(signal.SIGTERM)
        assert await second.stopped() == 0, second.output()
    finally:
        await second.close()


def delivery_of(message: Received, secret: str) -> int:
    [token] = parse_qs(urlsplit(message.json["notification"]["navigate"]).query)["n"]
    delivery_id = delivery_from_token(secret, token)
    assert delivery_id is not None, f"a message with a forged or broken receipt token: {token!r}"
    return delivery_id


def copies_per_device(push: FakePushService, sent: Sent) -> Counter[str]:
    return Counter(m.subscription_id for m in push.received if m.subscription_id in sent.devices)


async def test_sigterm_mid_campaign_then_a_new_worker_sends_each_device_exactly_one_message(
    push: FakePushService, settings: Settings, midday: timedelta, tmp_path: Path
) -> None:
    sent = await campaign_to_members(push, settings, datetime.now(UTC) + midday)
    total = len(sent.devices)
    push.latency = 0.05  # sends are in flight when the signal comes
    first = await Worker(settings, midday, tmp_path / "first.log").start()
    try:
        await push.wait_for(100, timeout=30)
        signalled = time.monotonic()
        first.signal(signal.SIGTERM)
        assert await first.stopped(timeout=STOP_GRACE_SECONDS) == 0, first.output()  # compose's stop_grace_period
        print(f"worker stopped {time.monotonic() - signalled:.2f} s after SIGTERM, mid-campaign")
    finally:
        await first.close()

    # The worker finished the sends in flight and recorded each of them before it exited.
    before_restart = len(push.received)
    assert 100 <= before_restart < total, "the signal should come mid-campaign"
    assert await sent_ids() == {delivery_of(m, settings.secret_key) for m in push.received}
    assert await PushDelivery.count().where(PushDelivery.status == "sending") == 0

    await drain_with_a_new_worker(push, settings, midday, tmp_path, total)

    assert copies_per_device(push, sent) == Counter(dict.fromkeys(sent.devices, 1))
    assert len(push.received) == total
    assert {m.topic for m in push.received} == {f"c{sent.campaign_id}"}


async def test_sigterm_with_a_slow_push_service_stops_within_the_grace_and_gives_the_rest_back(
    push: FakePushService, settings: Settings, midday: timedelta, tmp_path: Path
) -> None:
    """A claim is 8 waves; with 4 s per send the rest of the batch would take half a minute. A stopping
    worker finishes only the wave in flight and gives the unsent rest of its claim back at once."""
    sent = await campaign_to_members(push, settings, datetime.now(UTC) + midday)
    total = len(sent.devices)
    push.latency = 4.0
    first = await Worker(settings, midday, tmp_path / "first.log").start()
    try:
        await push.wait_for(CONCURRENCY, timeout=30)  # the first wave is in; the second is in flight
        first.signal(signal.SIGTERM)
        assert await first.stopped(timeout=STOP_GRACE_SECONDS) == 0, first.output()
    finally:
        await first.close()
    assert await sent_ids() == {delivery_of(m, settings.secret_key) for m in push.received}
    assert await PushDelivery.count().where(PushDelivery.status == "sending") == 0  # nothing left leased
    assert len(push.received) <= 2 * CONCURRENCY

    push.latency = 0.0
    await drain_with_a_new_worker(push, settings, midday, tmp_path, total)  # no lease to wait out
    assert copies_per_device(push, sent) == Counter(dict.fromkeys(sent.devices, 1))


async def test_sigkill_mid_campaign_then_a_restart_reaches_every_device_and_repeats_only_unrecorded_sends(
    push: FakePushService, settings: Settings, midday: timedelta, tmp_path: Path
) -> None:
    sent = await campaign_to_members(push, settings, datetime.now(UTC) + midday)
    total = len(sent.devices)
    push.latency = 0.1  # about CONCURRENCY sends are in flight at any moment
    lease = {"PUSH_CLAIM_LEASE_SECONDS": "2"}
    first = await Worker(settings, midday, tmp_path / "first.log", **lease).start()
    try:
        await push.wait_for(100, timeout=30)
        first.signal(signal.SIGKILL)
        assert await first.stopped() == -signal.SIGKILL
    finally:
        await first.close()
    recorded_before_kill = await sent_ids()  # the dead worker can no longer write
    assert 0 < len(recorded_before_kill) < total, "the kill should come mid-campaign"
    assert await PushDelivery.count().where(PushDelivery.status == "sending") > 0, "with sends in flight"

    second = await Worker(settings, midday, tmp_path / "second.log", **lease).start()
    try:
        await all_recorded_sent(total)  # after the dead worker's lease ran out, its claims are sent again
        second.signal(signal.SIGTERM)
        assert await second.stopped() == 0, second.output()
    finally:
        await second.close()

    # Every device got the campaign.
    per_device = copies_per_device(push, sent)
    assert set(per_device) == set(sent.devices), f"{len(set(sent.devices) - set(per_device))} devices missed it"
    copies: defaultdict[int, list[Received]] = defaultdict(list)
    for message in push.received:
        copies[delivery_of(message, settings.secret_key)].append(message)
    assert len(copies) == total  # one delivery per device, each reached the push service
    # A delivery recorded as sent before the kill is never sent again.
    assert all(len(copies[d]) == 1 for d in recorded_before_kill)
    # Copies come only from sends the dead worker had not recorded: at most the concurrency, one extra each...
    repeated = {d: messages for d, messages in copies.items() if len(messages) > 1}
    assert len(repeated) <= CONCURRENCY and all(len(messages) == 2 for messages in repeated.values())
    assert sum(per_device.values()) == total + len(repeated)
    # ...and each is the same message: same device, Topic, tag and receipt token, so it replaces the first.
    for messages in repeated.values():
        first_copy, second_copy = messages
        assert first_copy.subscription_id == second_copy.subscription_id
        assert first_copy.topic == second_copy.topic == f"c{sent.campaign_id}"
        assert first_copy.json["notification"] == second_copy.json["notification"]
    assert {m.topic for m in push.received} == {f"c{sent.campaign_id}"}


async def test_two_worker_processes_draining_one_campaign_never_send_a_delivery_twice(
    push: FakePushService, settings: Settings, midday: timedelta, tmp_path: Path
) -> None:
    sent = await campaign_to_members(push, settings, datetime.now(UTC) + midday)
    total = len(sent.devices)
    push.latency = 0.02
    workers = [Worker(settings, midday, tmp_path / f"worker-{i}.log") for i in range(2)]
    try:
        for worker in workers:
            await worker.start()
        await all_recorded_sent(total)
        for worker in workers:
            worker.signal(signal.SIGTERM)
        for worker in workers:
            assert await worker.stopped() == 0, worker.output()
    finally:
        for worker in workers:
            await worker.close()
    assert copies_per_device(push, sent) == Counter(dict.fromkeys(sent.devices, 1))
    assert len({delivery_of(m, settings.secret_key) for m in push.received}) == len(push.received) == total
