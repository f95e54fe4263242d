"""Webhook addresses as production checks them (public https only), on an app running as production:
the address checked is the address connected to, and a refused address fails the delivery for good."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from litestar import Litestar

from backend import outbox
from backend.clock import FrozenClock
from backend.integrations import webhooks
from backend.integrations.tables import WebhookEndpoint
from backend.settings import Settings
from digital_stampcard.effects import Webhook
from tests.api.helpers import Browser
from tests.conftest import TEST_VAPID_PRIVATE_KEY
from tests.webhook_receiver import Dns, Receiver, running_receiver


@pytest.fixture
def settings(clean_db: str) -> Settings:
    return Settings(
        environment="production",
        database_url=clean_db,
        secret_key="production-secret-" + "x" * 32,
        public_url="https://testserver.local",
        vapid_private_key=TEST_VAPID_PRIVATE_KEY,
        push_dispatcher="off",
    )


async def add_endpoint(owner: Browser, url: str) -> dict[str, Any]:
    response = await owner.post("/api/admin/webhooks", {"url": url, "events": ["member.joined"]})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deliveries(owner: Browser, endpoint_id: int) -> list[dict[str, Any]]:
    return list((await owner.get(f"/api/admin/webhooks/{endpoint_id}/deliveries")).json()["deliveries"])


async def an_event(clock: FrozenClock) -> None:
    """What a join writes (production sends no codes without a real SMS or e-mail service)."""
    assert await outbox.write_one(Webhook("member.joined", None, {"member_number": "100000001"}), clock.now())


async def deliver(app: Litestar, dns: Dns) -> int:
    ctx = app.state["ctx"]
    async with webhooks.open_session(ctx, dns=dns) as session:
        return await webhooks.deliver_due(ctx, session)


@pytest.fixture
async def receiver() -> Any:
    async with running_receiver() as state:
        yield state


async def test_a_name_that_resolves_inwards_is_refused_by_the_connections_own_lookup_and_never_retried(
    app: Litestar,
    owner: Browser,
    receiver: Receiver,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint = await add_endpoint(owner, f"https://shop.example:{port}/hooks?token=s3cret")  # public, when saved
    await an_event(clock)
    dns = Dns(["127.0.0.1"])  # ...and by the time it is sent, the name points at us
    with caplog.at_level(logging.WARNING, logger="stampcard.webhooks"):
        assert await deliver(app, dns) == 1
    assert dns.asked == ["shop.example"]  # one lookup: the one the connection used is the one checked
    assert receiver.got == []
    [delivery] = await deliveries(owner, endpoint["id"])
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == ("failed", 1, None)
    assert delivery["last_error"] == "refused: shop.example resolves to 127.0.0.1, not a public address"
    [logged] = [r.getMessage() for r in caplog.records if r.name == "stampcard.webhooks"]
    assert "shop.example resolves to 127.0.0.1" in logged and "failed for good" in logged
    assert "s3cret" not in logged and "whsec_" not in logged and "/hooks" not in logged
    clock.advance(days=2)
    assert await deliver(app, Dns(["127.0.0.1"])) == 0  # permanent: nothing comes back to try again


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.7"],
        ["93.184.215.14", "192.168.1.1"],  # one private address among public ones is enough to refuse
        ["::ffff:127.0.0.1"],
        ["::1"],
        ["169.254.169.254"],
        ["2002:7f00:1::"],  # 6to4 of 127.0.0.1
        ["64:ff9b::a00:1"],  # NAT64 of 10.0.0.1
    ],
)
async def test_every_resolved_address_is_checked(
    app: Litestar, owner: Browser, clock: FrozenClock, answer: list[str]
) -> None:
    endpoint = await add_endpoint(owner, "https://shop.example/hooks")
    await an_event(clock)
    await deliver(app, Dns(answer))
    [delivery] = await deliveries(owner, endpoint["id"])
    assert delivery["status"] == "failed" and "not a public address" in delivery["last_error"]


async def test_the_checked_answer_is_what_the_connection_gets() -> None:
    """A rebinding name server: public when asked first, private after. The connection gets the answer
    that was checked, and a later answer is checked again on its own."""
    dns = Dns(["93.184.215.14"], ["127.0.0.1"])
    resolver = webhooks.CheckedResolver(allow_private=False, dns=dns)
    [first] = await resolver.resolve("shop.example", 443)
    assert first["host"] == "93.184.215.14" and first["hostname"] == "shop.example"
    with pytest.raises(webhooks.AddressRefused):
        await resolver.resolve("shop.example", 443)


async def test_an_endpoint_saved_with_an_address_literal_is_refused_when_sent(
    app: Litestar, owner: Browser, clock: FrozenClock, receiver: Receiver
) -> None:
    """Saved before the rules were tightened (written straight into the table): refused for good, at once."""
    endpoint = await add_endpoint(owner, "https://shop.example/hooks")
    port = receiver.url.split(":")[2].split("/")[0]
    await WebhookEndpoint.update({WebhookEndpoint.url: f"https://127.0.0.1:{port}/hooks"}).where(
        WebhookEndpoint.id == endpoint["id"]
    )
    await an_event(clock)
    dns = Dns(["93.184.215.14"])
    await deliver(app, dns)
    assert dns.asked == [] and receiver.got == []
    [delivery] = await deliveries(owner, endpoint["id"])
    assert delivery["status"] == "failed" and delivery["last_error"] == "refused: 127.0.0.1 is not a public address"


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/hooks",
        "https://0x7f000001/hooks",
        "https://localhost./hooks",
        "https://127.1/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://0/hooks",
        "https://10.0.0.5/hooks",
        "https://metadata.internal/computeMetadata",
    ],
)
async def test_loopback_and_private_spellings_are_refused_when_saved(owner: Browser, url: str) -> None:
    response = await owner.post("/api/admin/webhooks", {"url": url, "events": ["member.joined"]})
    assert response.status_code == 400 and response.json()["code"] == "webhook_url_private", url
    assert await WebhookEndpoint.count() == 0


async def test_a_public_https_address_is_saved(owner: Browser) -> None:
    await add_endpoint(owner, "https://shop.example/hooks")
    assert await WebhookEndpoint.count() == 1
