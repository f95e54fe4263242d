"""`stampcard worker` as its own process sends what the app wrote to the outbox, and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from backend.clock import FrozenClock
from backend.push.tables import PushDelivery
from backend.settings import Settings
from tests.api.helpers import Browser
from tests.conftest import TEST_VAPID_PRIVATE_KEY
from tests.push.fake_push_service import FakePushService
from tests.push.test_delivery import stamp, subscribed_member

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def push() -> AsyncIterator[FakePushService]:
    async with FakePushService() as service:
        yield service


async def test_worker_process_delivers_the_outbox_and_stops_on_sigterm(
    new_browser: Callable[[], Browser], clock: FrozenClock, push: FakePushService, settings: Settings
) -> None:
    clock.at = clock.at.now(clock.at.tzinfo)  # the worker runs on the real clock
    phones = [await subscribed_member(new_browser, push, f"9{i:02d}12345") for i in range(3)]
    till = new_browser()
    await till.staff_login()
    for phone, _ in phones:
        await stamp(new_browser, phone, clock, till=till)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "STAMPCARD_ENV": "test",
        "VAPID_PRIVATE_KEY": TEST_VAPID_PRIVATE_KEY,
        "SECRET_KEY": settings.secret_key,
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.cli",
        "worker",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await push.wait_for(3, timeout=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(worker.communicate(), 30)
    assert worker.returncode == 0, output.decode()
    assert sorted(len(push.received_for(sub)) for _, sub in phones) == [1, 1, 1]
    assert await PushDelivery.count().where(PushDelivery.status == "sent") == 3
