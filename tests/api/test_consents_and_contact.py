"""Min side: consents with their history (and what a withdrawal stops), changing the phone number or
e-mail with a code to the new address, and no birthday reward for a birthday set within 30 days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Litestar

from backend.cards.tables import Reward
from backend.clock import FrozenClock
from backend.members.tables import ConsentEvent, Member
from backend.messaging.tables import OutboxMessage
from backend.push.tables import Notification
from backend.schedules import enqueue_due
from backend.worker import Worker
from digital_stampcard.clock import OSLO
from tests.api.helpers import Browser
from tests.push.conftest import push, worker  # noqa: F401  (the push tests' fixtures)
from tests.push.fake_push_service import FakePushService
from tests.push.test_campaigns import campaign, create, deliver, member


async def put(browser: Browser, url: str, body: Any) -> Any:
    await browser.ensure_csrf()
    return await browser.client.put(url, json=body, headers={"x-csrftoken": browser.csrf or ""})


async def consents(phone: Browser) -> dict[str, Any]:
    response = await phone.get("/api/me/consents")
    assert response.status_code == 200, response.text
    return dict(response.json())


def states(mine: dict[str, Any]) -> dict[str, str]:
    return {p["purpose"]: p["state"] for p in mine["purposes"]}


async def switch(phone: Browser, purpose: str, granted: bool) -> dict[str, Any]:
    response = await put(phone, f"/api/me/consents/{purpose}", {"granted": granted})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def publish(owner: Browser, purpose: str, requires_reaccept: bool = False) -> int:
    body = {"purpose": purpose, "body_nb": "Ny tekst.", "body_en": "New text.", "requires_reaccept": requires_reaccept}
    response = await owner.post("/api/admin/club/consent-texts", body)
    assert response.status_code == 201, response.text
    return int(response.json()["version"])


async def test_state_and_history_from_the_join_form(new_browser: Callable[[], Browser], owner: Browser) -> None:
    assert await publish(owner, "marketing_sms") == 2  # each purpose has its own version now
    phone = new_browser()
    await phone.join("91234567", marketing={"sms": True})
    mine = await consents(phone)
    assert states(mine) == {
        "terms": "given",
        "analysis": "not_given",
        "marketing_email": "not_given",
        "marketing_sms": "given",
        "marketing_push": "not_given",
    }
    assert {p["purpose"]: p["can_withdraw"] for p in mine["purposes"]}["terms"] is False
    history = sorted((h["purpose"], h["granted"], h["text_version"], h["source"]) for h in mine["history"])
    assert history == [("marketing_sms", True, "2", "join_form"), ("terms", True, "1", "join_form")]


async def test_withdraw_and_give_back_each_write_a_ledger_row_with_the_current_version(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567", marketing={"push": True})
    await publish(owner, "marketing_push")  # version 2, earlier "yes" still counts
    clock.advance(minutes=5)
    mine = await switch(phone, "marketing_push", False)
    assert states(mine)["marketing_push"] == "withdrawn"
    clock.advance(minutes=5)
    again = await switch(phone, "marketing_push", False)  # a double tap: nothing more
    assert len(again["history"]) == len(mine["history"])
    mine = await switch(phone, "marketing_push", True)
    assert states(mine)["marketing_push"] == "given"
    newest = [(h["purpose"], h["granted"], h["text_version"], h["source"]) for h in mine["history"][:3]]
    assert newest == [
        ("marketing_push", True, "2", "min_side"),
        ("marketing_push", False, "2", "min_side"),
        ("marketing_push", True, "1", "join_form"),
    ]
    assert mine["history"][0]["at"] > mine["history"][1]["at"]  # newest first
    rows = await ConsentEvent.select(ConsentEvent.source).where(ConsentEvent.purpose == "marketing_push")
    assert [r["source"] for r in rows] == ["join_form", "min_side", "min_side"]


async def test_the_terms_cannot_be_withdrawn_here_and_unknown_purposes_are_refused(
    new_browser: Callable[[], Browser],
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    refused = await put(phone, "/api/me/consents/terms", {"granted": False})
    assert refused.status_code == 409 and refused.json()["code"] == "terms_required"
    unknown = await put(phone, "/api/me/consents/everything", {"granted": True})
    assert unknown.status_code == 404
    assert await ConsentEvent.count() == 1


async def test_a_yes_to_a_replaced_text_shows_as_renew_and_a_switch_renews_it(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567", marketing={"email": True})
    clock.advance(minutes=1)
    await publish(owner, "marketing_email", requires_reaccept=True)
    assert states(await consents(phone))["marketing_email"] == "renew"
    clock.advance(minutes=1)
    mine = await switch(phone, "marketing_email", True)
    assert states(mine)["marketing_email"] == "given"
    assert (mine["history"][0]["text_version"], mine["history"][0]["source"]) == ("2", "min_side")


async def test_push_settings_record_the_purposes_own_version(
    new_browser: Callable[[], Browser], owner: Browser
) -> None:
    await publish(owner, "analysis")
    await publish(owner, "analysis")
    phone = new_browser()
    await phone.join("91234567")
    assert (await phone.patch("/api/me/push/settings", {"personalised": True, "offers": True})).status_code == 200
    rows = await ConsentEvent.select(ConsentEvent.purpose, ConsentEvent.text_version).where(
        ConsentEvent.source == "push_settings"
    )
    assert sorted((r["purpose"], r["text_version"]) for r in rows) == [("analysis", "3"), ("marketing_push", "1")]


async def test_another_members_consents_are_never_visible(new_browser: Callable[[], Browser]) -> None:
    alice, bob = new_browser(), new_browser()
    await alice.join("91234567", marketing={"sms": True, "email": True})
    await bob.join("92345678")
    await switch(bob, "analysis", True)
    assert len((await consents(alice))["history"]) == 3
    assert [(h["purpose"], h["source"]) for h in (await consents(bob))["history"]] == [
        ("analysis", "min_side"),
        ("terms", "join_form"),
    ]
    stranger = new_browser()
    assert (await stranger.get("/api/me/consents")).status_code == 401


async def test_withdrawing_push_marketing_on_min_side_stops_a_released_campaign(
    app: Litestar,
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,  # noqa: F811
    worker: Worker,  # noqa: F811
    clock: FrozenClock,
) -> None:
    phone, _ = await member(new_browser, push, "91000081")
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=OSLO)
    created = await create(owner, send_at=evening.isoformat())
    clock.advance(hours=11, minutes=30)  # 22:30 in Oslo: in the outbox, held until the morning
    await deliver(app, worker, clock)
    assert (await campaign(owner, created["id"]))["stats"]["pending"] == 1
    await switch(phone, "marketing_push", False)
    clock.advance(hours=10, minutes=30)  # 09:00: the worker checks the ledger again before sending
    await deliver(app, worker, clock)
    assert push.received == []
    reason = await Notification.select(Notification.skip_reason).where(Notification.campaign == created["id"]).first()
    assert reason == {"skip_reason": "no_consent"}


async def test_withdrawing_analysis_takes_the_member_out_of_history_segments(
    new_browser: Callable[[], Browser],
    owner: Browser,
    push: FakePushService,  # noqa: F811
) -> None:
    phone, _ = await member(new_browser, push, "91000091", interests=["kaffe"])
    segment = {"segment": {"interests_any": ["kaffe"]}}
    assert (await owner.post("/api/admin/campaigns/preview", segment)).json()["reach"] == 1
    await switch(phone, "analysis", False)
    preview = (await owner.post("/api/admin/campaigns/preview", segment)).json()
    assert preview["reach"] == 0 and preview["excluded"]["no_analysis_consent"] == 1


async def change_contact(phone: Browser, identifier: str) -> Any:
    return await phone.post("/api/me/contact/start", {"identifier": identifier})


async def test_change_phone_with_a_code_to_the_new_number_and_the_old_one_can_join_anew(
    new_browser: Callable[[], Browser],
) -> None:
    phone = new_browser()
    joined = await phone.join("91234567")
    started = await change_contact(phone, "922 33 444")
    assert started.status_code == 202, started.text
    assert started.json()["destination"].endswith("44")
    assert await OutboxMessage.count().where(OutboxMessage.to_address == "+4792233444") == 1
    code = await phone.latest_code("+4792233444")
    changed = await phone.post("/api/me/contact/verify", {"identifier": "92233444", "code": code})
    assert changed.status_code == 200, changed.text
    assert changed.json()["identifier_masked"] != joined["member"]["identifier_masked"]
    assert (await Member.select(Member.phone).first()) == {"phone": "+4792233444"}
    again = await phone.post("/api/me/contact/verify", {"identifier": "92233444", "code": code})
    assert again.status_code == 400 and again.json()["code"] == "code_used"

    newcomer = new_browser()
    assert (await newcomer.join("91234567"))["new_member"] is True
    assert await Member.count() == 2
    back = new_browser()  # the member logs in with the new number
    assert (await back.join("92233444"))["new_member"] is False


async def test_a_wrong_code_changes_nothing_and_the_attempts_run_out(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("91234567")
    await change_contact(phone, "92233444")
    code = await phone.latest_code("+4792233444")
    wrong = "000000" if code != "000000" else "111111"
    first = await phone.post("/api/me/contact/verify", {"identifier": "92233444", "code": wrong})
    assert first.status_code == 400 and first.json()["code"] == "code_invalid"
    assert first.json()["attempts_left"] == 4
    for _ in range(4):
        await phone.post("/api/me/contact/verify", {"identifier": "92233444", "code": wrong})
    locked = await phone.post("/api/me/contact/verify", {"identifier": "92233444", "code": code})
    assert locked.status_code == 429
    assert (await Member.select(Member.phone).first()) == {"phone": "+4791234567"}


async def test_a_change_code_is_no_login_code_and_only_the_asking_member_can_use_it(
    new_browser: Callable[[], Browser],
) -> None:
    phone, other = new_browser(), new_browser()
    await phone.join("91234567")
    await other.join("93344555")
    await change_contact(phone, "92233444")
    code = await phone.latest_code("+4792233444")
    stolen = await other.post("/api/me/contact/verify", {"identifier": "92233444", "code": code})
    assert stolen.status_code == 400 and stolen.json()["code"] == "code_invalid"
    login = await new_browser().post(
        "/api/auth/otp/verify",
        {"identifier": "92233444", "code": code, "device_public_key": phone.public_key, "terms_accepted": True},
    )
    assert login.status_code == 400 and login.json()["code"] == "code_invalid"
    assert await Member.count() == 2


async def test_a_number_another_member_has_is_refused_without_saying_whose(
    new_browser: Callable[[], Browser],
) -> None:
    phone, other = new_browser(), new_browser()
    await phone.join("91234567")
    await other.join("92233444")
    started = await change_contact(phone, "92233444")
    assert started.status_code == 202  # the same answer as for a free number
    code = await phone.latest_code("+4792233444")
    refused = await phone.post("/api/me/contact/verify", {"identifier": "92233444", "code": code})
    assert refused.status_code == 409
    assert refused.json()["code"] == "identifier_unavailable"
    assert "member" not in refused.json()["detail"].lower()
    phones = await Member.select(Member.phone).order_by(Member.id)
    assert phones == [{"phone": "+4791234567"}, {"phone": "+4792233444"}]
    same = await change_contact(phone, "91234567")
    assert same.status_code == 400 and same.json()["code"] == "same_identifier"


async def test_phone_can_become_e_mail_and_back(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("91234567")
    assert (await change_contact(phone, "Kari@Example.no")).status_code == 202
    code = await phone.latest_code("kari@example.no")
    changed = await phone.post("/api/me/contact/verify", {"identifier": "kari@example.no", "code": code})
    assert changed.status_code == 200, changed.text
    assert await Member.select(Member.phone, Member.email).first() == {"phone": None, "email": "kari@example.no"}
    export = (await phone.get("/api/me/export")).json()
    assert "kari@example.no" in str(export) and "+4791234567" not in str(export)
    assert (await change_contact(phone, "91234567")).status_code == 202
    code = await phone.latest_code("+4791234567")
    assert (await phone.post("/api/me/contact/verify", {"identifier": "91234567", "code": code})).status_code == 200
    assert await Member.select(Member.phone, Member.email).first() == {"phone": "+4791234567", "email": None}


async def test_a_new_address_clears_the_mark_a_bounce_left_on_the_old_e_mail(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("kari@example.no")
    bounced = {Member.email_undeliverable_at: clock.now()}  # what the dispatcher writes on a hard bounce
    await Member.update(bounced, force=True)
    assert (await change_contact(phone, "kari.ny@example.no")).status_code == 202
    code = await phone.latest_code("kari.ny@example.no")
    assert (
        await phone.post("/api/me/contact/verify", {"identifier": "kari.ny@example.no", "code": code})
    ).status_code == 200
    assert await Member.select(Member.email, Member.email_undeliverable_at).first() == {
        "email": "kari.ny@example.no",
        "email_undeliverable_at": None,
    }

    await Member.update(bounced, force=True)
    assert (await change_contact(phone, "91234567")).status_code == 202  # e-mail to phone: no e-mail left to mark
    code = await phone.latest_code("+4791234567")
    assert (await phone.post("/api/me/contact/verify", {"identifier": "91234567", "code": code})).status_code == 200
    assert await Member.select(Member.email, Member.email_undeliverable_at).first() == {
        "email": None,
        "email_undeliverable_at": None,
    }


async def birthday_today_set(phone: Browser, app: Litestar, clock: FrozenClock, days_before: int) -> None:
    """Sets the birthday `days_before` days ago to a date that falls on the day the scan runs."""
    scan_day = (clock.now() + timedelta(days=days_before)).astimezone(OSLO).date()
    response = await phone.patch("/api/me/profile", {"birthday": date(1990, scan_day.month, scan_day.day).isoformat()})
    assert response.status_code == 200, response.text
    clock.advance(days=days_before)
    await enqueue_due(app.state["ctx"], clock.now())


async def test_a_birthday_set_within_30_days_gets_the_greeting_without_the_reward(
    new_browser: Callable[[], Browser], app: Litestar, clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    await birthday_today_set(phone, app, clock, 29)
    assert await Reward.count() == 0
    greetings = (
        await Notification.select(Notification.data).where(Notification.kind == "birthday").output(load_json=True)
    )
    assert len(greetings) == 1 and "reward" not in greetings[0]["data"]


async def test_a_birthday_set_31_days_ago_gets_the_reward(
    new_browser: Callable[[], Browser], app: Litestar, clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    await birthday_today_set(phone, app, clock, 31)
    assert await Reward.count() == 1
    assert await Notification.count().where(Notification.kind == "birthday") == 1


async def test_changing_the_birthday_restarts_the_wait_but_saving_it_unchanged_does_not(
    new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    await phone.patch("/api/me/profile", {"birthday": "1990-05-01"})
    first = (await Member.select(Member.birthday_set_at).first())["birthday_set_at"]
    assert first == clock.now()
    clock.advance(days=3)
    await phone.patch("/api/me/profile", {"birthday": "1990-05-01", "first_name": "Kari"})
    assert (await Member.select(Member.birthday_set_at).first())["birthday_set_at"] == first
    await phone.patch("/api/me/profile", {"birthday": "1990-06-01"})
    assert (await Member.select(Member.birthday_set_at).first())["birthday_set_at"] == clock.now()
