"""The owner's club setup: bonuses (saved and given), the business's own profile fields and the
interests list, and consent texts with versions that can ask members to accept again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from litestar import Litestar

from backend.cards.tables import LedgerEntry, Program, Reward
from backend.clock import FrozenClock
from backend.club.tables import Club
from backend.members.consent_ledger import counted_consents
from backend.members.tables import ConsentEvent, Member
from backend.push.tables import Notification
from backend.schedules import enqueue_due
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser, call


async def push_consent(member_id: int) -> bool:
    return (await counted_consents({member_id}, ["marketing_push"]))[member_id]["marketing_push"]


OWNER_CALLS = [
    ("GET", "/api/admin/club/bonuses", None),
    ("PUT", "/api/admin/club/bonuses", {"welcome_bonus_stamps": 2}),
    ("GET", "/api/admin/club/profile-fields", None),
    ("PUT", "/api/admin/club/profile-fields", {"fields": []}),
    ("GET", "/api/admin/club/interests", None),
    ("PUT", "/api/admin/club/interests", {"interests": []}),
    ("GET", "/api/admin/club/consent-texts", None),
    ("POST", "/api/admin/club/consent-texts", {"purpose": "terms", "body_nb": "Nye", "body_en": "New"}),
]
SHOE = {"key": "skostorrelse", "label_nb": "Skostørrelse", "label_en": "Shoe size", "kind": "number"}
DRINK = {
    "key": "drikke",
    "label_nb": "Favorittdrikk",
    "label_en": "Favourite drink",
    "kind": "choice",
    "options": ["Latte", "Te"],
}


async def put(browser: Browser, url: str, body: Any) -> Any:
    await browser.ensure_csrf()
    return await browser.client.put(url, json=body, headers={"x-csrftoken": browser.csrf or ""})


async def bonuses(owner: Browser, **changes: Any) -> dict[str, Any]:
    current = (await owner.get("/api/admin/club/bonuses")).json()["bonuses"]
    response = await put(owner, "/api/admin/club/bonuses", {**current, **changes})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def visit(phone: Browser, till: Browser, clock: FrozenClock) -> dict[str, Any]:
    scanned = await till.scan(phone.qr(time_step(clock.now())))
    assert scanned.status_code == 201, scanned.text
    stamped = await till.stamp(scanned.json()["scan_id"])
    assert stamped.status_code == 200, stamped.text
    return dict(stamped.json())


@pytest.fixture
async def till(new_browser: Callable[[], Browser]) -> Browser:
    browser = new_browser()
    await browser.staff_login("kasse1")
    return browser


@pytest.mark.parametrize(("method", "url", "body"), OWNER_CALLS)
async def test_only_the_owner_gets_in(new_browser: Callable[[], Browser], method: str, url: str, body: Any) -> None:
    anonymous = new_browser()
    if method == "PUT":
        assert (await put(anonymous, url, body)).status_code == 401
    else:
        assert (await call(anonymous, method, url, body)).status_code == 401
    cashier, member = new_browser(), new_browser()
    await cashier.staff_login("kasse1")
    await member.join("91234567")
    for browser in (cashier, member):
        response = await (put(browser, url, body) if method == "PUT" else call(browser, method, url, body))
        assert response.status_code == 403, response.text


async def test_bonuses_are_saved_and_checked(owner: Browser) -> None:
    saved = await bonuses(owner, welcome_bonus_stamps=2, surprise_share_percent=5, surprise_reward_text="  Kake ")
    assert saved["bonuses"]["welcome_bonus_stamps"] == 2 and saved["bonuses"]["surprise_reward_text"] == "Kake"
    assert saved["program_reward"] == "Gratis kaffe" and saved["max_surprise_percent"] == 20
    current = saved["bonuses"]
    refused = await put(owner, "/api/admin/club/bonuses", {**current, "surprise_share_percent": 21})
    assert refused.status_code == 400 and refused.json()["field"] == "surprise_share_percent"
    assert (await owner.get("/api/admin/club/bonuses")).json()["bonuses"]["surprise_share_percent"] == 5


async def test_the_welcome_bonus_comes_once_with_the_first_visit(
    owner: Browser, till: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    await bonuses(owner, welcome_bonus_stamps=2)
    phone = new_browser()
    await phone.join("91234567")
    assert (await phone.get("/api/me")).json()["card"]["stamps"] == 0  # joining alone gives nothing
    first = await visit(phone, till, clock)
    assert first["scan"]["card"]["stamps"] == 3  # the visit's stamp and the welcome bonus
    clock.advance(hours=2)  # a later visit, the same shift
    second = await visit(phone, till, clock)
    assert second["scan"]["card"]["stamps"] == 4
    welcome = await LedgerEntry.select(LedgerEntry.stamps).where(
        (LedgerEntry.kind == "bonus") & (LedgerEntry.reason == "welcome")
    )
    assert welcome == [{"stamps": 2}]


async def test_a_surprise_comes_at_most_once_a_day_and_never_at_zero(
    owner: Browser, till: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    await visit(phone, till, clock)  # share 0 % (the default): no surprise
    assert await Reward.count() == 0
    await bonuses(owner, surprise_reward_text="Kanelbolle")
    # The owner may choose up to 20 %; every visit (100 %) shows the once-a-day rule with a real draw.
    await Club.update({Club.surprise_share_percent: 100}, force=True)
    clock.advance(minutes=5)
    stamped = await visit(phone, till, clock)
    assert [r["title"] for r in stamped["scan"]["rewards"]] == ["Kanelbolle"]
    clock.advance(minutes=5)
    await visit(phone, till, clock)  # the same Oslo day: no second surprise
    surprises = await LedgerEntry.select(LedgerEntry.reward).where(
        (LedgerEntry.kind == "reward_issued") & (LedgerEntry.reason == "surprise")
    )
    assert len(surprises) == 1
    pushed = await Notification.select(Notification.kind, Notification.data).where(Notification.kind == "surprise")
    assert len(pushed) == 1


async def test_the_birthday_greeting_goes_without_a_reward_when_the_owner_turned_it_off(
    owner: Browser, new_browser: Callable[[], Browser], app: Litestar, clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    today = clock.now().date()
    await Member.update({Member.birthday: date(1990, today.month, today.day)}, force=True)
    await bonuses(owner, birthday_reward=False)
    await enqueue_due(app.state["ctx"], clock.now())
    assert await Reward.count() == 0
    assert await Notification.count().where(Notification.kind == "birthday") == 1


async def test_the_anniversary_reward_comes_once_a_year_with_its_push(
    owner: Browser, new_browser: Callable[[], Browser], app: Litestar, clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    await bonuses(owner, anniversary_reward=True, anniversary_reward_text="Gratis kake")
    ctx = app.state["ctx"]
    await enqueue_due(ctx, clock.now())
    assert await Reward.count() == 0  # the day they joined is no anniversary
    clock.advance(days=365)  # 2027-11-24, the first anniversary
    for _ in range(2):  # a second scan the same day gives nothing more
        await enqueue_due(ctx, clock.now())
    rewards = await Reward.select(Reward.title).where(Reward.status == "active")
    assert rewards == [{"title": "Gratis kake"}]
    pushed = (
        await Notification.select(Notification.data).where(Notification.kind == "anniversary").output(load_json=True)
    )
    assert [p["data"]["years"] for p in pushed] == [1]
    [issued] = await LedgerEntry.select(LedgerEntry.reward.title).where(LedgerEntry.reason == "anniversary")
    assert issued["reward.title"] == "Gratis kake"  # the ledger names the reward, so history and audit show it
    program = await Program.objects().first()
    assert program is not None and await Reward.select(Reward.value_ore) == [{"value_ore": program.reward_value_ore}]
    clock.advance(days=1)
    await enqueue_due(ctx, clock.now())
    assert await Reward.count() == 1


async def test_profile_fields_are_validated_and_the_member_fills_them(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    bad = await put(owner, "/api/admin/club/profile-fields", {"fields": [SHOE, SHOE]})
    assert bad.status_code == 400 and bad.json()["field"] == "fields[1]"
    one_option = {**DRINK, "options": ["Latte"]}
    bad = await put(owner, "/api/admin/club/profile-fields", {"fields": [one_option]})
    assert bad.status_code == 400 and bad.json()["field"] == "fields[0].options"
    saved = await put(owner, "/api/admin/club/profile-fields", {"fields": [SHOE, DRINK]})
    assert saved.status_code == 200, saved.text
    interests = await put(
        owner, "/api/admin/club/interests", {"interests": [{"code": "sko", "label_nb": "Sko", "label_en": "Shoes"}]}
    )
    assert interests.json()["interests"][0]["code"] == "sko"

    phone = new_browser()
    await phone.join("91234567")
    profile = (await phone.get("/api/me")).json()["profile"]
    assert [f["key"] for f in profile["fields"]] == ["skostorrelse", "drikke"]
    wrong = await phone.patch("/api/me/profile", {"profile_extra": {"drikke": "Cola"}})
    assert wrong.status_code == 400 and wrong.json()["field"] == "profile_extra.drikke"
    not_a_number = await phone.patch("/api/me/profile", {"profile_extra": {"skostorrelse": "stor"}})
    assert not_a_number.status_code == 400
    ok = await phone.patch(
        "/api/me/profile", {"interests": ["sko"], "profile_extra": {"skostorrelse": "42,5", "drikke": "Te"}}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["profile"]["extra"] == {"skostorrelse": 42.5, "drikke": "Te"}

    # Removing a field hides it; the member's answer stays until they next save their profile.
    await put(owner, "/api/admin/club/profile-fields", {"fields": [DRINK]})
    member = await Member.objects().output(load_json=True).first()
    assert member is not None and member.profile_extra == {"skostorrelse": 42.5, "drikke": "Te"}
    home = (await phone.get("/api/me")).json()
    assert [f["key"] for f in home["profile"]["fields"]] == ["drikke"]
    saved_again = await phone.patch("/api/me/profile", {"profile_extra": {"drikke": "Latte"}})
    assert saved_again.json()["profile"]["extra"] == {"drikke": "Latte"}


async def test_a_version_to_accept_again_takes_the_member_out_of_reach_until_they_accept(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567", marketing={"push": True, "email": False, "sms": False})
    member = await Member.objects().first()
    assert member is not None

    async def no_consent() -> int:
        reach = await owner.post("/api/admin/campaigns/preview", {})
        return int(reach.json()["excluded"]["no_marketing_consent"])

    texts = (await phone.get("/api/consent-texts")).json()
    assert [(t["purpose"], t["version"]) for t in texts] == [
        ("terms", 1),
        ("analysis", 1),
        ("marketing_email", 1),
        ("marketing_sms", 1),
        ("marketing_push", 1),
    ]
    assert await no_consent() == 0 and await push_consent(member.id) is True

    clock.advance(hours=1)
    minor = {"purpose": "marketing_push", "body_nb": "Varsler om tilbud.", "body_en": "Offer notifications."}
    assert (await owner.post("/api/admin/club/consent-texts", minor)).json()["version"] == 2
    assert await no_consent() == 0  # a change that does not need accepting again keeps the consent

    material = {**minor, "body_nb": "Varsler om tilbud fra partnere.", "requires_reaccept": True}
    published = await owner.post("/api/admin/club/consent-texts", material)
    assert published.status_code == 201 and published.json()["version"] == 3
    assert published.json()["published_by"] == "Eier"
    assert await no_consent() == 1
    assert await push_consent(member.id) is False  # the dispatcher's check
    home = (await phone.get("/api/me")).json()
    assert [(t["purpose"], t["version"]) for t in home["consents_to_renew"]] == [("marketing_push", 3)]

    stale = await phone.post("/api/me/consents", {"purpose": "marketing_push", "version": 2, "granted": True})
    assert stale.status_code == 409 and stale.json()["code"] == "consent_text_changed"
    clock.advance(minutes=1)
    accepted = await phone.post("/api/me/consents", {"purpose": "marketing_push", "version": 3, "granted": True})
    assert accepted.status_code == 204, accepted.text
    assert await no_consent() == 0
    again = await phone.post("/api/me/consents", {"purpose": "marketing_push", "version": 3, "granted": True})
    assert again.status_code == 204  # a double tap records one acceptance
    recorded = await ConsentEvent.select(ConsentEvent.text_version, ConsentEvent.source).where(
        (ConsentEvent.purpose == "marketing_push") & (ConsentEvent.text_version == "3")
    )
    assert recorded == [{"text_version": "3", "source": "renewal_prompt"}]
    assert (await phone.get("/api/me")).json()["consents_to_renew"] == []


async def test_new_terms_to_accept_again_prompt_the_member_and_are_recorded_with_their_version(
    owner: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    clock.advance(hours=1)
    terms = {"purpose": "terms", "body_nb": "Nye vilkår.", "body_en": "New terms.", "requires_reaccept": True}
    assert (await owner.post("/api/admin/club/consent-texts", terms)).status_code == 201
    home = (await phone.get("/api/me")).json()
    assert home["card"]["stamps"] == 0 and home["device"]["device_id"]  # the card and QR stay available
    assert [t["purpose"] for t in home["consents_to_renew"]] == ["terms"]
    assert (await phone.get("/api/config")).json()["terms_version"] == "2"
    refused = await phone.post("/api/me/consents", {"purpose": "terms", "version": 2, "granted": False})
    assert refused.status_code == 409
    assert (
        await phone.post("/api/me/consents", {"purpose": "terms", "version": 2, "granted": True})
    ).status_code == 204
    assert (await phone.get("/api/me")).json()["consents_to_renew"] == []
    history = (await owner.get("/api/admin/club/consent-texts")).json()["history"]
    assert (history[0]["purpose"], history[0]["version"]) == ("terms", 2)
    bad = await owner.post("/api/admin/club/consent-texts", {**terms, "body_en": "  "})
    assert bad.status_code == 400 and bad.json()["field"] == "body_en"
