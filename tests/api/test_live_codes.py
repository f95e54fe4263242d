"""Several one-time codes to one address work at once (issue 12, item 10.6): anyone can ask for a code to
a member's number, and that must not cancel the code the member is typing. At most three stay live, any
one of them logs in once, and logging in ends the others. The tries per code stay as they were."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.members.tables import Member
from tests.api.helpers import Browser

NUMBER = "91234567"


async def ask_for_code(browser: Browser) -> str:
    """A login code to NUMBER, as the dev outbox shows the message that was sent."""
    response = await browser.post("/api/auth/otp/start", {"identifier": NUMBER, "purpose": "login"})
    assert response.status_code == 202, response.text
    return await browser.latest_code(NUMBER)


async def log_in(browser: Browser, code: str) -> Any:
    return await browser.post(
        "/api/auth/otp/verify", {"identifier": NUMBER, "code": code, "device_public_key": browser.public_key}
    )


async def test_a_strangers_code_request_does_not_cancel_the_members_code(new_browser: Callable[[], Browser]) -> None:
    joined = await new_browser().join(NUMBER)
    member, stranger = new_browser(), new_browser()
    code_a = await ask_for_code(member)
    await ask_for_code(stranger)  # code B: sent to the member's phone; the stranger never sees it
    logged_in = await log_in(member, code_a)
    assert logged_in.status_code == 200, logged_in.text
    assert logged_in.json()["member"]["member_number"] == joined["member"]["member_number"]
    assert (await member.get("/api/me")).status_code == 200
    assert await Member.count() == 1


async def test_three_codes_stay_live_and_a_login_ends_them_all(new_browser: Callable[[], Browser]) -> None:
    await new_browser().join(NUMBER)
    phone = new_browser()
    first, second, third, fourth = [await ask_for_code(phone) for _ in range(4)]
    if first not in (second, third, fourth):  # the same six digits again would still be live
        retired = await log_in(phone, first)
        assert retired.status_code == 400 and retired.json()["code"] == "code_invalid"
    assert (await log_in(phone, third)).status_code == 200
    for code in (first, second, third, fourth):
        again = await log_in(new_browser(), code)
        assert again.status_code == 400 and again.json()["code"] == "code_used", code


async def test_a_wrong_guess_counts_on_every_live_code_so_the_tries_stay_five(
    new_browser: Callable[[], Browser],
) -> None:
    await new_browser().join(NUMBER)
    phone, guesser = new_browser(), new_browser()
    live = [await ask_for_code(phone) for _ in range(3)]
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in live)
    lefts = []
    for _ in range(4):
        response = await log_in(guesser, wrong)
        assert response.status_code == 400 and response.json()["code"] == "code_invalid"
        lefts.append(response.json()["attempts_left"])
    assert lefts == [4, 3, 2, 1]  # five tries in all, as with one code, not five per live code
    fifth = await log_in(guesser, wrong)
    assert fifth.status_code == 429 and fifth.json()["code"] == "too_many_attempts"
    for code in live:
        assert (await log_in(phone, code)).json()["code"] == "too_many_attempts"
    fresh = await ask_for_code(phone)  # a new code has tries of its own
    assert (await log_in(phone, fresh)).status_code == 200
