"""Webhooks never become a way into our own network: no redirect is followed, the address checked is
the address connected to, loopback spellings are refused when saved, and a refusal at send time is a
permanent, logged failure (never retried forever)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from litestar import Litestar

from backend.integrations import webhooks
from backend.worker import Worker
from tests.api.helpers import Browser
from tests.api.test_webhook_addresses import add_endpoint, deliveries
from tests.webhook_receiver import Dns, running_receiver


@pytest.fixture
async def worker(app: Litestar, client: object) -> AsyncIterator[Worker]:
    async with Worker(app.state["ctx"], concurrency=4) as running:
        yield running


async def drain(worker: Worker) -> None:
    while await worker.run_once():
        pass


async def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(
    owner: Browser, new_browser: Callable[[], Browser], worker: Worker
) -> None:
    async with running_receiver("/internal") as internal, running_receiver() as public:
        public.answers, public.location = [307], internal.url  # a public endpoint bouncing the POST inwards
        endpoint = await add_endpoint(owner, public.url)
        await new_browser().join("91234567")
        await drain(worker)
        assert len(public.got) == 1
        assert internal.got == []  # the signed body never reached the address it was bounced to
        [delivery] = await deliveries(owner, endpoint["id"])
        assert (delivery["status"], delivery["response_status"], delivery["attempts"]) == ("pending", 307, 1)
        assert "redirect" in delivery["last_error"] and "not followed" in delivery["last_error"]


async def test_the_connection_goes_to_the_resolved_address_under_the_endpoints_own_name(
    app: Litestar, owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    """The name is looked up once, by the connection's resolver; the request still names the endpoint's
    host (the Host header, and SNI under TLS), not the address it was sent to."""
    async with running_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        endpoint = await add_endpoint(owner, f"http://shop.example:{port}/hooks")
        await new_browser().join("91234567")
        dns = Dns(["127.0.0.1"])
        ctx = app.state["ctx"]
        async with webhooks.open_session(ctx, dns=dns) as session:
            assert await webhooks.deliver_due(ctx, session) == 1
        assert dns.asked == ["shop.example"]
        [(headers, _)] = receiver.got
        assert headers["Host"] == f"shop.example:{port}"
        [delivery] = await deliveries(owner, endpoint["id"])
        assert delivery["status"] == "delivered"
