"""Signed webhooks to a real HTTP receiver: the events, the signature, retries with backoff, the log."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from backend.clock import FrozenClock
from backend.worker import Worker
from digital_stampcard.member_qr import time_step
from digital_stampcard.webhooks import verify
from tests.api.helpers import Browser
from tests.webhook_receiver import Receiver, running_receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as state:
        yield state


async def add_endpoint(owner: Browser, url: str, events: list[str]) -> dict[str, Any]:
    response = await owner.post("/api/admin/webhooks", {"url": url, "events": events, "description": "Nettbutikk"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def drain(worker: Worker) -> None:
    while await worker.run_once():
        pass


async def test_events_arrive_signed_and_the_log_shows_them(
    owner: Browser,
    new_browser: Callable[[], Browser],
    receiver: Receiver,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    endpoint = await add_endpoint(owner, receiver.url, ["member.joined", "stamp.added"])
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    listed = (await owner.get("/api/admin/webhooks")).json()
    assert "secret" not in listed["endpoints"][0] and "member.left" in listed["events"]

    phone = new_browser()
    joined = await phone.join("91234567")
    till = new_browser()
    await till.staff_login()
    scan = (await till.scan(phone.qr(time_step(clock.now())))).json()["scan_id"]
    assert (await till.stamp(scan)).status_code == 200
    await drain(worker)

    bodies = receiver.bodies()
    assert [b["type"] for b in bodies] == ["member.joined", "stamp.added"]
    assert {b["data"]["member_number"] for b in bodies} == {joined["member"]["member_number"]}
    assert bodies[1]["data"]["stamps"] == 1 and bodies[1]["data"]["store_id"] is not None
    now = int(clock.now().timestamp())
    for headers, body in receiver.got:
        assert verify(secret, headers["Stampcard-Signature"], body, now)
        assert not verify("whsec_wrong", headers["Stampcard-Signature"], body, now)
        assert not verify(secret, headers["Stampcard-Signature"], body + b" ", now)  # the very bytes are signed
        assert not verify(secret, headers["Stampcard-Signature"], body, now + 301)  # a replay, later
    assert "91234567" not in json.dumps(bodies)  # members are named by number, never by phone

    log = (await owner.get(f"/api/admin/webhooks/{endpoint['id']}/deliveries")).json()["deliveries"]
    assert [(d["event"], d["status"], d["attempts"], d["response_status"]) for d in log] == [
        ("stamp.added", "delivered", 1, 200),
        ("member.joined", "delivered", 1, 200),
    ]


async def test_a_failing_receiver_is_retried_later_with_backoff(
    owner: Browser,
    new_browser: Callable[[], Browser],
    receiver: Receiver,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    endpoint = await add_endpoint(owner, receiver.url, ["member.joined"])
    receiver.answers = [503]
    await new_browser().join("91234567")
    await drain(worker)
    [failed] = (await owner.get(f"/api/admin/webhooks/{endpoint['id']}/deliveries")).json()["deliveries"]
    assert (failed["status"], failed["response_status"], failed["last_error"]) == ("pending", 503, "answered 503")
    await drain(worker)
    assert len(receiver.got) == 1  # not before its time
    clock.advance(seconds=40)  # the first retry waits 30-36 s
    await drain(worker)
    [done] = (await owner.get(f"/api/admin/webhooks/{endpoint['id']}/deliveries")).json()["deliveries"]
    assert (done["status"], done["attempts"]) == ("delivered", 2)
    first, second = receiver.bodies()
    assert first["id"] == second["id"]  # the receiver de-duplicates on it


async def test_a_disabled_endpoint_gets_nothing_more(
    owner: Browser, new_browser: Callable[[], Browser], receiver: Receiver, worker: Worker
) -> None:
    endpoint = await add_endpoint(owner, receiver.url, ["member.joined"])
    disabled = await owner.post(f"/api/admin/webhooks/{endpoint['id']}/disable")
    assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
    await new_browser().join("91234567")
    await drain(worker)
    assert receiver.got == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "ftp://shop.example/x", "events": ["member.joined"]}, "webhook_url_invalid"),
        ({"url": "https://shop.example/x", "events": ["member.deleted"]}, "webhook_events_invalid"),
        ({"url": "https://shop.example/x", "events": []}, "webhook_events_invalid"),
    ],
)
async def test_bad_endpoints_are_refused(owner: Browser, body: dict[str, Any], code: str) -> None:
    response = await owner.post("/api/admin/webhooks", body)
    assert response.status_code == 400 and response.json()["code"] == code


async def test_only_the_owner_manages_webhooks(new_browser: Callable[[], Browser]) -> None:
    cashier = new_browser()
    await cashier.staff_login("kasse1")
    for call in (
        cashier.get("/api/admin/webhooks"),
        cashier.post("/api/admin/webhooks", {"url": "https://x.example", "events": ["member.joined"]}),
        cashier.get("/api/admin/webhooks/1/deliveries"),
        cashier.post("/api/admin/webhooks/1/disable", key=str(uuid.uuid4())),
    ):
        assert (await call).status_code == 403
    assert (await new_browser().get("/api/admin/webhooks")).status_code == 401
