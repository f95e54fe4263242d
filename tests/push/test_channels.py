"""Campaigns and the automatic messages on every channel: push, e-mail over a real SMTP server
(aiosmtpd) and SMS over the local fake gateway, with consent per channel, one weekly cap across them,
opt-out links, withdrawals in the middle of a campaign, bounces and the SMS budget."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest
from litestar import Litestar

from backend.campaigns.release import release_due
from backend.clock import FrozenClock
from backend.members.tables import ConsentEvent, Member
from backend.push.tables import MessageDelivery, Notification
from backend.settings import Settings
from backend.worker import Worker
from digital_stampcard.opt_out import read_token
from tests.api.conftest import smtp_inbox  # noqa: F401  (a fixture)
from tests.api.helpers import Browser
from tests.fake_sms_gateway import FakeSmsGateway, sms_settings
from tests.push.fake_push_service import FakePushService
from tests.push.test_delivery import stamp
from tests.smtp_inbox import Inbox

SECRET = "test-secret-" + "x" * 32
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
async def gateway() -> AsyncIterator[FakeSmsGateway]:
    async with FakeSmsGateway() as fake:
        yield fake


@pytest.fixture
def settings(clean_db: str, gateway: FakeSmsGateway, smtp_inbox: tuple[Inbox, int]) -> Settings:  # noqa: F811
    return sms_settings(
        clean_db,
        gateway,
        "generic",
        email_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox[1],
        mail_from="Testkaffe <klubb@testkaffe.no>",
        sms_daily_segment_budget=1000,
    )


@pytest.fixture
def inbox(smtp_inbox: tuple[Inbox, int]) -> Inbox:  # noqa: F811
    return smtp_inbox[0]


async def join(
    phone: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    identifier: str,
    *,
    sms: bool = False,
    email: bool = False,
    push: bool = False,
    lang: str = "nb",
) -> dict[str, Any]:
    """Joins with a phone number (the code comes by SMS through the gateway) or an e-mail address
    (the code comes over SMTP), saying yes to marketing on the channels given."""
    marketing = {"sms": sms, "email": email, "push": push}
    body = {"identifier": identifier, "purpose": "join", "terms_accepted": True, "marketing": marketing, "lang": lang}
    started = await phone.post("/api/auth/otp/start", body)
    assert started.status_code == 202, started.text
    text = gateway.received[-1].text if "@" not in identifier else inbox.messages[-1].get_content()
    match = CODE.search(str(text))
    assert match, text
    verified = await phone.post(
        "/api/auth/otp/verify",
        {"identifier": identifier, "code": match.group(1), "device_public_key": phone.public_key},
    )
    assert verified.status_code == 200, verified.text
    phone.device_id = verified.json()["device_id"]
    return dict(verified.json())


async def campaign(owner: Browser, channel: str, **fields: Any) -> dict[str, Any]:
    body = {"title": "Kanelbolle-dag", "body": "Halv pris på kanelboller i dag.", "channel": channel, **fields}
    response = await owner.post("/api/admin/campaigns", body, key=str(uuid.uuid4()))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def send_all(app: Litestar, worker: Worker, clock: FrozenClock) -> None:
    await release_due(app.state["ctx"], clock.now())
    while await worker.run_once():
        pass


def subject(mail: Any) -> str:
    return str(mail["Subject"])


def opt_out_link(text: str) -> str:
    match = re.search(r"http://testserver\.local(/u/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


def sms_to(gateway: FakeSmsGateway, number: str) -> list[str]:
    return [sms.text for sms in gateway.received if sms.to == number and not CODE.search(sms.text)]


async def test_an_sms_campaign_reaches_only_members_who_said_yes_to_sms_and_carries_an_opt_out_link(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await join(new_browser(), gateway, inbox, "912 00 001", sms=True)
    await join(new_browser(), gateway, inbox, "912 00 002", sms=True, lang="en")
    await join(new_browser(), gateway, inbox, "912 00 003", push=True)  # yes to push only, and no device
    await join(new_browser(), gateway, inbox, "kari@example.no", sms=True)  # said yes, but has no number

    message = {"title": "Kanelbolle-dag", "body": "Halv pris på kanelboller i dag."}
    preview = await owner.post("/api/admin/campaigns/preview", {"channel": "sms", "message": message})
    reach = preview.json()
    assert reach["reach"] == 2 and reach["by_channel"] == {"push": 0, "email": 0, "sms": 2}
    assert reach["excluded"]["no_marketing_consent"] == 1 and reach["excluded"]["no_address"] == 1
    assert reach["sms"]["messages"] == 2 and reach["sms"]["segments"] == 2  # æøå are GSM-7: one segment each
    assert reach["sms"]["cost_nok"] == round(2 * reach["sms"]["nok_per_segment"], 2)

    created = await campaign(owner, "sms")
    await send_all(app, worker, clock)
    [nb] = sms_to(gateway, "+4791200001")
    [en] = sms_to(gateway, "+4791200002")
    assert sms_to(gateway, "+4791200003") == []
    assert nb.startswith("Testkaffe: Kanelbolle-dag\nHalv pris på kanelboller i dag.\nStopp tilbud: ")
    assert "Stop receiving offers: " in en
    token = opt_out_link(nb).removeprefix("/u/")
    opt_out = read_token(SECRET, token)
    assert opt_out is not None and (opt_out.channel, opt_out.campaign_id) == ("sms", created["id"])

    stats = (await owner.get(f"/api/admin/campaigns/{created['id']}")).json()["stats"]
    assert stats["sms"]["addressed"] == 2 and stats["sms"]["sent"] == 2 and stats["pending"] == 0
    assert stats["email"]["addressed"] == 0 and stats["devices"] == 0

    # The gateway reports one delivered: the campaign page counts it.
    sms = next(s for s in gateway.received if s.to == "+4791200001" and "Stopp" in s.text)
    method, path, kwargs = gateway.report(sms, delivered=True, report_url=sms.report_url or "")
    assert (await owner.client.request(method, path, **kwargs)).status_code in (200, 204)
    stats = (await owner.get(f"/api/admin/campaigns/{created['id']}")).json()["stats"]
    assert stats["sms"]["delivered"] == 1

    # The member taps the opt-out link (no log-in): from now on no SMS offers, and the campaign counts it.
    assert (await new_browser().client.post(opt_out_link(nb))).status_code == 200
    stats = (await owner.get(f"/api/admin/campaigns/{created['id']}")).json()["stats"]
    assert stats["sms"]["opted_out"] == 1
    reach = (await owner.post("/api/admin/campaigns/preview", {"channel": "sms"})).json()
    assert reach["reach"] == 1 and reach["excluded"]["no_marketing_consent"] == 2


async def test_best_channel_is_push_where_subscribed_else_email_else_sms_and_one_weekly_cap_holds_across_them(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    push: FakePushService,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    with_push = new_browser()
    await join(with_push, gateway, inbox, "912 00 011", sms=True, push=True, email=True)
    key = (await with_push.get("/api/push/key")).json()
    subscription = push.new_subscription(application_server_key=key["application_server_key"])
    body = {**subscription.info, "key_id": key["key_id"]}
    assert (await with_push.post("/api/me/push/subscriptions", body)).status_code == 204
    await join(new_browser(), gateway, inbox, "ola@example.no", email=True, sms=True)
    await join(new_browser(), gateway, inbox, "912 00 013", sms=True, email=True)  # no e-mail address: SMS

    reach = (await owner.post("/api/admin/campaigns/preview", {"channel": "best"})).json()
    assert reach["by_channel"] == {"push": 1, "email": 1, "sms": 1}

    for _ in range(3):  # the weekly cap (2 by default) counts every channel
        await campaign(owner, "best")
        await send_all(app, worker, clock)
        clock.advance(hours=1)
    assert len(push.received_for(subscription)) == 2
    assert len([m for m in inbox.messages if subject(m) == "Kanelbolle-dag"]) == 2
    assert len(sms_to(gateway, "+4791200013")) == 2
    capped = await Notification.count().where(Notification.skip_reason == "weekly_cap")
    assert capped == 3


async def test_a_member_who_opts_out_in_the_middle_of_a_campaign_gets_nothing_more(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    first, second = new_browser(), new_browser()
    await join(first, gateway, inbox, "912 00 021", sms=True)
    await join(second, gateway, inbox, "912 00 022", sms=True)
    await campaign(owner, "sms")
    await release_due(app.state["ctx"], clock.now())
    await worker.push.expand_due()  # both SMS are in the outbox, none sent yet
    assert await MessageDelivery.count().where(MessageDelivery.status == "pending") == 2

    # The second member says no to SMS offers on Min side before the worker gets to them.
    await second.ensure_csrf()
    changed = await second.client.put(
        "/api/me/consents/marketing_sms", json={"granted": False}, headers={"x-csrftoken": second.csrf or ""}
    )
    assert changed.status_code == 200, changed.text
    while await worker.run_once():
        pass
    assert len(sms_to(gateway, "+4791200021")) == 1
    assert sms_to(gateway, "+4791200022") == []
    statuses = {r["status"] for r in await MessageDelivery.select(MessageDelivery.status)}
    assert statuses == {"sent", "withdrawn"}


async def test_an_email_campaign_skips_an_address_that_bounced(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await join(new_browser(), gateway, inbox, "kari@example.no", email=True)
    await join(new_browser(), gateway, inbox, "finnes.ikke@example.no", email=True)
    inbox.refuse("finnes.ikke@example.no", "550 5.1.1 No such user")
    await campaign(owner, "email")
    await send_all(app, worker, clock)
    offers = [m for m in inbox.messages if subject(m) == "Kanelbolle-dag"]
    assert [m["To"] for m in offers] == ["kari@example.no"]
    assert offers[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert opt_out_link(offers[0]["List-Unsubscribe"])
    bounced = await Member.select(Member.email_undeliverable_at).where(Member.email == "finnes.ikke@example.no")
    assert bounced[0]["email_undeliverable_at"] is not None

    reach = (await owner.post("/api/admin/campaigns/preview", {"channel": "email"})).json()
    assert reach["reach"] == 1 and reach["excluded"]["no_address"] == 1
    await campaign(owner, "email", title="Neste tilbud")
    await send_all(app, worker, clock)
    assert [m["To"] for m in inbox.messages if subject(m) == "Neste tilbud"] == ["kari@example.no"]


async def test_sms_past_the_days_budget_wait_for_the_next_morning(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    for n in range(3):
        await join(new_browser(), gateway, inbox, f"912 00 03{n}", sms=True)
    ctx = app.state["ctx"]
    ctx.settings = msgspec.structs.replace(ctx.settings, sms_daily_segment_budget=5)
    assert worker.messages.sms is not None
    worker.messages.sms.settings = ctx.settings
    await campaign(owner, "sms")
    await send_all(app, worker, clock)
    assert sum(1 for s in gateway.received if "Stopp" in s.text) == 2  # 3 codes + 2 offers = 5 segments
    waiting = await MessageDelivery.select(MessageDelivery.next_attempt_at).where(MessageDelivery.status == "pending")
    assert len(waiting) == 1 and waiting[0]["next_attempt_at"] > clock.now()
    clock.advance(days=1)
    await send_all(app, worker, clock)
    assert sum(1 for s in gateway.received if "Stopp" in s.text) == 3


async def test_a_triggered_reward_ready_goes_by_email_to_a_member_without_push(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    phone = new_browser()
    await join(phone, gateway, inbox, "lise@example.no")  # no marketing consent: reward ready is a service message
    for _ in range(10):  # a visit a day until the card is full (the daily cap holds stamps back)
        clock.advance(days=1)
        if (await stamp(new_browser, phone, clock, count=5))["rewards_issued"]:  # a new till login: 12 h sessions
            break
    while await worker.run_once():
        pass
    ready = [m for m in inbox.messages if subject(m) == "Belønningen din er klar!"]
    assert len(ready) == 1 and ready[0]["List-Unsubscribe"] is None  # not marketing: nothing to opt out of
    assert await ConsentEvent.count().where(ConsentEvent.purpose == "marketing_email") == 0


async def test_cancelling_a_released_sms_campaign_stops_the_sms_not_yet_sent(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    gateway: FakeSmsGateway,
    inbox: Inbox,
    worker: Worker,
    clock: FrozenClock,
) -> None:
    await join(new_browser(), gateway, inbox, "912 00 041", sms=True)
    created = await campaign(owner, "sms")
    assert created["channel"] == "sms"
    await release_due(app.state["ctx"], clock.now())
    await worker.push.expand_due()
    cancelled = await owner.post(f"/api/admin/campaigns/{created['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    while await worker.run_once():
        pass
    assert sms_to(gateway, "+4791200041") == []
    stats = cancelled.json()["stats"]
    assert stats["sms"]["withdrawn"] == 1 and stats["sms"]["pending"] == 0
