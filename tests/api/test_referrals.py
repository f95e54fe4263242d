"""Referrals: the personal link and QR, joining through it, the referrer's reward at the friend's
first staff-given stamp (once, under the monthly cap), and the abuse cases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from backend.cards.tables import LedgerEntry, Program, Reward
from backend.clock import FrozenClock
from backend.club.posters import qr_svg
from backend.members.tables import Member, Referral
from backend.push.tables import Notification
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser, new_device_key

REFERRER_PHONE = "91234567"


@pytest.fixture
async def till(new_browser: Callable[[], Browser]) -> Browser:
    browser = new_browser()
    await browser.staff_login("kasse1")
    return browser


@pytest.fixture
async def referrer(new_browser: Callable[[], Browser]) -> Browser:
    browser = new_browser()
    await browser.join(REFERRER_PHONE)
    return browser


async def overview(phone: Browser) -> dict[str, Any]:
    response = await phone.get("/api/me/referral")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def friend_joins(new_browser: Callable[[], Browser], code: str, phone: str) -> tuple[Browser, dict[str, Any]]:
    friend = new_browser()
    return friend, await friend.join(phone, ref=code)


async def visit(phone: Browser, till: Browser, clock: FrozenClock, step_offset: int = 0) -> dict[str, Any]:
    scanned = await till.scan(phone.qr(time_step(clock.now()) + step_offset))
    assert scanned.status_code == 201, scanned.text
    stamped = await till.stamp(scanned.json()["scan_id"])
    assert stamped.status_code == 200, stamped.text
    return dict(stamped.json())


async def set_bonuses(owner: Browser, **changes: Any) -> Any:
    current = (await owner.get("/api/admin/club/bonuses")).json()["bonuses"]
    return await owner.client.put(
        "/api/admin/club/bonuses", json={**current, **changes}, headers={"x-csrftoken": await csrf(owner)}
    )


async def csrf(browser: Browser) -> str:
    await browser.ensure_csrf()
    return browser.csrf or ""


async def referral_rewards(member_number_of: Browser, reason: str = "referral") -> list[dict[str, Any]]:
    """The member's rewards for bringing a friend (`referral`) or for being brought (`referral_friend`)."""
    number = (await member_number_of.get("/api/me")).json()["member"]["member_number"]
    member = await Member.select(Member.id).where(Member.member_number == number).first()
    return list(
        await LedgerEntry.select(LedgerEntry.reward.title.as_alias("title"), LedgerEntry.reward)
        .where((LedgerEntry.member == member["id"]) & (LedgerEntry.reason == reason))
        .order_by(LedgerEntry.id)
    )


async def test_the_link_and_its_qr(referrer: Browser, new_browser: Callable[[], Browser]) -> None:
    mine = await overview(referrer)
    code = mine["code"]
    assert len(code) == 8 and code.isalnum() and code.isupper()
    assert mine["link"] == f"http://testserver.local/r/{code}"
    assert mine["qr_url"] == "/api/me/referral/qr.svg"
    assert (mine["monthly_cap"], mine["rewarded_this_month"], mine["referrals"], mine["referred_by"]) == (
        5,
        0,
        [],
        None,
    )
    assert (await overview(referrer))["code"] == code  # stored: the same link every time
    # Not made from the member number: another member's code is unrelated to theirs.
    other = new_browser()
    await other.join("92345678")
    numbers = [(await b.get("/api/me")).json()["member"]["member_number"] for b in (referrer, other)]
    codes = [code, (await overview(other))["code"]]
    assert codes[0] != codes[1] and not any(n in c for n in numbers for c in codes)
    qr = await referrer.get("/api/me/referral/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.content == qr_svg(mine["link"]) and b"<svg" in qr.content
    # The link opens the join page with the referral remembered (any case is fine when typed).
    opened = await other.client.get(f"/r/{code.lower()}", follow_redirects=False)
    assert opened.status_code == 302 and opened.headers["location"] == f"/join?ref={code}"
    assert (await other.client.get("/r/not-a-code", follow_redirects=False)).headers["location"] == "/join"


async def test_joining_through_a_link_records_the_referral(
    referrer: Browser, new_browser: Callable[[], Browser], owner: Browser
) -> None:
    code = (await overview(referrer))["code"]
    friend, joined = await friend_joins(new_browser, code, "92345678")
    assert joined["new_member"] and joined["referral"] == "recorded"
    row = await Member.select(Member.signup_source, Member.referred_by).where(Member.phone == "+4792345678").first()
    referrer_id = (await Member.select(Member.id).where(Member.phone == f"+47{REFERRER_PHONE}").first())["id"]
    assert row == {"signup_source": "referral", "referred_by": referrer_id}
    mine = await overview(referrer)
    assert [r["status"] for r in mine["referrals"]] == ["pending"]
    assert (await overview(friend))["referred_by"]["status"] == "pending"
    # An existing member logging in through a link is no referral.
    again = new_browser()
    relogin = await again.join("92345678", ref=code)
    assert not relogin["new_member"] and relogin["referral"] is None
    assert await Referral.count() == 1
    # The owner's dashboard counts the sign-up as a referral, for real now.
    signups = (await owner.get("/api/admin/dashboard/")).json()["signups"]
    assert {"source": "referral", "count": 1} in signups["by_source"] and signups["referral_tracked"] is True


async def test_the_reward_comes_at_the_first_staff_stamp_only(
    referrer: Browser, new_browser: Callable[[], Browser], owner: Browser, till: Browser, clock: FrozenClock
) -> None:
    assert (await set_bonuses(owner, referral_reward_text="Gratis kanelbolle")).status_code == 200
    code = (await overview(referrer))["code"]
    friend, _ = await friend_joins(new_browser, code, "92345678")
    # A bonus is no purchase: completing the profile gives the friend a stamp, the referrer nothing.
    config = (await friend.get("/api/config")).json()
    profile = {
        "first_name": "Venn",
        "birthday": "1990-05-01",
        "interests": [config["interests"][0]["code"]],
        "favourite_store_id": config["stores"][0]["id"],
    }
    assert (await friend.patch("/api/me/profile", profile)).status_code == 200
    assert await LedgerEntry.count().where(LedgerEntry.reason == "profile_completed") == 1
    assert await referral_rewards(referrer) == [] and await referral_rewards(friend, "referral_friend") == []
    assert (await overview(referrer))["referrals"][0]["status"] == "pending"

    await visit(friend, till, clock)
    rewards = await referral_rewards(referrer)
    assert [r["title"] for r in rewards] == ["Gratis kanelbolle"]
    # Both are rewarded: the friend's welcome gift is the program's reward unless the owner names one.
    assert [r["title"] for r in await referral_rewards(friend, "referral_friend")] == ["Gratis kaffe"]
    mine = await overview(referrer)
    assert [r["status"] for r in mine["referrals"]] == ["rewarded"] and mine["rewarded_this_month"] == 1
    assert (await overview(friend))["referred_by"]["status"] == "rewarded"
    active = (await referrer.get("/api/me/rewards")).json()["active"]
    assert [r["title"] for r in active] == ["Gratis kanelbolle"]
    pushed = (
        await Notification.select(Notification.kind, Notification.data)
        .where(Notification.kind == "referral")
        .output(load_json=True)
    )
    assert pushed == [{"kind": "referral", "data": {"reward": "Gratis kanelbolle", "reward_id": rewards[0]["reward"]}}]

    clock.advance(hours=3)
    await visit(friend, till, clock)  # a second visit: nothing more
    assert (
        len(await referral_rewards(referrer)) == 1
        and len(await referral_rewards(friend, "referral_friend")) == 1
        and await Notification.count().where(Notification.kind == "referral") == 1
    )


async def test_concurrent_first_stamps_reward_once(
    referrer: Browser, new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    # No duplicate-scan window: both tills really stamp at the same moment.
    await Program.update({Program.duplicate_window_seconds: 0}, force=True)
    code = (await overview(referrer))["code"]
    friend, _ = await friend_joins(new_browser, code, "92345678")
    tills = [new_browser(), new_browser()]
    await tills[0].staff_login("kasse1")
    await tills[1].staff_login("kasse2")
    scans = []
    for offset, till in enumerate(tills):  # two QR time steps: each is accepted once
        scanned = await till.scan(friend.qr(time_step(clock.now()) + offset))
        assert scanned.status_code == 201, scanned.text
        scans.append(scanned.json()["scan_id"])
    stamped = await asyncio.gather(*(till.stamp(sid) for till, sid in zip(tills, scans, strict=True)))
    assert [s.status_code for s in stamped] == [200, 200]
    assert sum(s.json()["added"] for s in stamped) == 2
    assert len(await referral_rewards(referrer)) == 1 and len(await referral_rewards(friend, "referral_friend")) == 1
    assert await Reward.count() == 2  # the friend has 2 of 10 stamps: the rewards are the two referral gifts


async def test_self_referral_by_the_same_phone_is_a_login_not_a_referral(
    referrer: Browser, new_browser: Callable[[], Browser]
) -> None:
    code = (await overview(referrer))["code"]
    same_person = new_browser()
    joined = await same_person.join(REFERRER_PHONE, ref=code)
    assert not joined["new_member"] and joined["referral"] is None
    assert await Referral.count() == 0 and (await overview(referrer))["referrals"] == []


async def test_self_referral_from_the_same_device_is_refused(
    referrer: Browser, new_browser: Callable[[], Browser]
) -> None:
    code = (await overview(referrer))["code"]
    second_number = new_browser()
    second_number.key, second_number.public_key = referrer.key, referrer.public_key  # the referrer's phone
    joined = await second_number.join("92345678", ref=code)
    assert joined["new_member"] and joined["referral"] == "self_referral"
    row = await Member.select(Member.signup_source, Member.referred_by).where(Member.phone == "+4792345678").first()
    assert row == {"signup_source": "direct", "referred_by": None}
    assert await Referral.count() == 0


async def test_self_referral_from_the_referrers_own_session_is_refused(referrer: Browser) -> None:
    code = (await overview(referrer))["code"]
    referrer.key, referrer.public_key = new_device_key()  # a fresh key: only the session cookie gives it away
    joined = await referrer.join("92345678", ref=code)
    assert joined["new_member"] and joined["referral"] == "self_referral"
    assert await Referral.count() == 0


async def test_the_monthly_cap_records_but_does_not_reward(
    referrer: Browser, new_browser: Callable[[], Browser], owner: Browser, till: Browser, clock: FrozenClock
) -> None:
    assert (await set_bonuses(owner, referral_monthly_cap=2)).status_code == 200
    refused = await set_bonuses(owner, referral_monthly_cap=101)
    assert refused.status_code == 400 and refused.json()["field"] == "referral_monthly_cap"
    code = (await overview(referrer))["code"]
    friends = [(await friend_joins(new_browser, code, f"9234567{i}"))[0] for i in range(4)]
    for friend in friends[:3]:
        await visit(friend, till, clock)
    mine = await overview(referrer)
    assert [r["status"] for r in reversed(mine["referrals"])] == ["rewarded", "rewarded", "capped", "pending"]
    assert (mine["rewarded_this_month"], mine["monthly_cap"]) == (2, 2)
    assert (await overview(friends[2]))["referred_by"]["status"] == "capped"  # both see why
    assert len(await referral_rewards(referrer)) == 2
    assert len(await referral_rewards(friends[2], "referral_friend")) == 1  # the cap limits the referrer only
    # A new Oslo month (1 December, 10:00 UTC) starts a new count.
    clock.advance(days=7)
    await till.staff_login("kasse1")  # a new shift
    await visit(friends[3], till, clock)
    mine = await overview(referrer)
    assert mine["referrals"][0]["status"] == "rewarded" and mine["rewarded_this_month"] == 1
    assert len(await referral_rewards(referrer)) == 3


async def test_the_code_of_a_member_who_left_does_not_count(
    referrer: Browser, new_browser: Callable[[], Browser]
) -> None:
    code = (await overview(referrer))["code"]
    assert (await referrer.post("/api/me/leave", {"confirm": True})).status_code == 200
    friend, joined = await friend_joins(new_browser, code, "92345678")
    assert joined["new_member"] and joined["referral"] == "unknown_code"
    assert await Referral.count() == 0
    assert (await overview(friend))["referred_by"] is None


async def test_a_referrer_who_left_before_the_first_stamp_is_not_rewarded(
    referrer: Browser, new_browser: Callable[[], Browser], till: Browser, clock: FrozenClock
) -> None:
    code = (await overview(referrer))["code"]
    friend, _ = await friend_joins(new_browser, code, "92345678")
    assert (await referrer.post("/api/me/leave", {"confirm": True})).status_code == 200
    await visit(friend, till, clock)
    assert (await overview(friend))["referred_by"]["status"] == "referrer_left"
    assert await Reward.count() == 1  # the friend's gift only
    assert len(await referral_rewards(friend, "referral_friend")) == 1


async def test_members_see_only_their_own_referrals(
    referrer: Browser, new_browser: Callable[[], Browser], till: Browser
) -> None:
    code = (await overview(referrer))["code"]
    friend, _ = await friend_joins(new_browser, code, "92345678")
    stranger = new_browser()
    await stranger.join("93456789")
    theirs = await overview(stranger)
    assert theirs["referrals"] == [] and theirs["referred_by"] is None and theirs["code"] != code
    assert (await overview(friend))["referrals"] == []
    assert (await new_browser().get("/api/me/referral")).status_code == 401
    assert (await till.get("/api/me/referral")).status_code == 403
    # The referrer's export lists the referral by code and status, never the friend's number or name.
    await friend.patch("/api/me/profile", {"first_name": "Venninne"})
    exported = await referrer.get("/api/me/export")
    body = exported.text
    assert exported.json()["referrals"]["my_code"] == code
    assert [r["status"] for r in exported.json()["referrals"]["friends_i_referred"]] == ["pending"]
    assert "92345678" not in body and "Venninne" not in body
    friends_copy = (await friend.get("/api/me/export")).json()["referrals"]
    assert [r["code"] for r in friends_copy["referred_me"]] == [code] and REFERRER_PHONE not in str(friends_copy)


async def test_a_refunded_first_purchase_takes_both_rewards_back_until_a_real_one(
    referrer: Browser, new_browser: Callable[[], Browser], owner: Browser, till: Browser, clock: FrozenClock
) -> None:
    """Buy, collect both referral rewards, refund: the rewards go (the members see why) and the
    referral waits again; the next real purchase rewards it once."""
    code = (await overview(referrer))["code"]
    friend, _ = await friend_joins(new_browser, code, "92345678")
    await visit(friend, till, clock)
    [gift] = await referral_rewards(referrer)
    first_stamp = (
        await LedgerEntry.objects().where(LedgerEntry.kind == "stamp").order_by(LedgerEntry.id, ascending=False).first()
    )
    assert first_stamp is not None
    voided = await owner.post(
        "/api/admin/voids", {"entry_id": first_stamp.id, "reason": "Varen ble returnert"}, key="v1"
    )
    assert voided.status_code == 200, voided.text
    revoked = await Reward.select(Reward.member, Reward.status, Reward.revoked_reason).where(
        Reward.revoked_reason == "Varen ble returnert"
    )
    assert len(revoked) == 2 and {r["status"] for r in revoked} == {"revoked"}
    assert (await overview(referrer))["referrals"][0]["status"] == "pending"
    assert await LedgerEntry.count().where(LedgerEntry.kind == "reward_revoked") == 2

    clock.advance(hours=2)
    await visit(friend, till, clock)  # a real purchase
    rewards = await referral_rewards(referrer)
    assert len(rewards) == 2 and rewards[0]["reward"] == gift["reward"]
    assert (await overview(referrer))["referrals"][0]["status"] == "rewarded"
    assert [r["title"] for r in (await referrer.get("/api/me/rewards")).json()["active"]] == ["Gratis kaffe"]
