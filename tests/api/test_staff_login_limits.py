"""Staff log-in limits: per IP, and per account from one IP. A stranger's wrong passwords use up their
own tries only; they never lock the owner (or anyone) out of their own IP."""

from __future__ import annotations

import httpx
from litestar import Litestar

from backend.settings import Settings
from tests.api.helpers import STAFF, Browser


def browser_at(app: Litestar, ip: str) -> Browser:
    """A device at `ip` (the app sees the connection's address)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return Browser(httpx.AsyncClient(transport=transport, base_url=app.state["ctx"].settings.public_url))


async def login(browser: Browser, username: str, password: str) -> int:
    return (await browser.post("/api/staff/login", {"username": username, "password": password})).status_code


async def test_a_strangers_wrong_passwords_never_lock_the_owner_out(
    app: Litestar, client: httpx.AsyncClient, settings: Settings
) -> None:
    stranger, owner = browser_at(app, "203.0.113.7"), browser_at(app, "198.51.100.20")
    per_account = settings.staff_logins_per_user_per_10_minutes
    tries = [await login(stranger, "eier", f"gjetning-{i}") for i in range(per_account + 1)]
    assert tries[:per_account] == [401] * per_account and tries[per_account] == 429
    # Once more, and again: the stranger only keeps their own IP locked.
    assert await login(stranger, "eier", STAFF["eier"]) == 429
    assert await login(owner, "eier", STAFF["eier"]) == 200
    assert (await owner.get("/api/staff/me")).status_code == 200
    # The same holds for every account, and a second stranger IP starts from nothing, locking nobody else.
    other = browser_at(app, "203.0.113.8")
    assert [await login(other, "eier", "feil") for _ in range(per_account)] == [401] * per_account
    assert await login(browser_at(app, "198.51.100.21"), "eier", STAFF["eier"]) == 200
    assert await login(browser_at(app, "198.51.100.22"), "kasse1", STAFF["kasse1"]) == 200


async def test_one_ip_has_an_overall_limit_over_every_account(
    app: Litestar, client: httpx.AsyncClient, settings: Settings
) -> None:
    stranger = browser_at(app, "203.0.113.9")
    per_ip = settings.staff_logins_per_ip_per_10_minutes
    usernames = ["eier", "kasse1", "kasse2", "sluttet", "ukjent"]
    tries = [await login(stranger, usernames[i % len(usernames)], "feil") for i in range(per_ip + 1)]
    assert tries[:per_ip] == [401] * per_ip and tries[per_ip] == 429  # spread over accounts: under each one's limit
    assert await login(stranger, "kasse2", STAFF["kasse2"]) == 429
    assert await login(browser_at(app, "198.51.100.30"), "kasse2", STAFF["kasse2"]) == 200
