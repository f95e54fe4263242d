"""Browser tests: the real `stampcard serve --demo` command in a subprocess, driven by Debian's Chromium.

The server gets its own database (SQLite file, or a throwaway PostgreSQL database with
STAMPCARD_TEST_DB=postgres): the demo loader only fills an empty database, and the API tests'
`clean_db` fixture empties tables, so the two must never share one.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import re
import secrets
import socket
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright, expect

from tests.conftest import ENGINE_NAME, PG_ADMIN_URL, _pg_admin

ROOT = Path(__file__).resolve().parents[2]
STAMPCARD = ROOT / ".venv" / "bin" / "stampcard"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "nb-NO",
    "timezone_id": "Europe/Oslo",
}
STAFF_LOGIN = ("lokka", "kaffe-lokka")  # demo staff of the Grünerløkka store
OWNER_LOGIN = ("eier", "kaffe-eier")  # demo owner "Ingrid Eier", no store
UI_TIMEOUT_MS = 10_000

expect.set_options(timeout=UI_TIMEOUT_MS)


# --------------------------------------------------------------------------- server


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the browser session's own, empty so that `serve --demo` fills it."""
    if ENGINE_NAME == "postgres":
        name = f"stampcard_browser_{secrets.token_hex(4)}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'stampcard.sqlite3'}"


@pytest.fixture(scope="session")
def server(browser_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    url = f"http://localhost:{port}"  # localhost is a secure context: WebCrypto and the service worker work
    log = tmp_path_factory.mktemp("server") / "stampcard.log"
    env = {
        **os.environ,
        "STAMPCARD_PORT": str(port),
        "PUBLIC_URL": url,
        "DATABASE_URL": browser_database_url,
        "STAMPCARD_ENV": "development",
        # The whole suite logs the demo owner in, and joins members from one IP, more often than a real
        # shift or shop would (the limits themselves are tested in tests/api/test_rate_limits.py).
        "STAFF_LOGINS_PER_IP_PER_10_MINUTES": "500",
        "STAFF_LOGINS_PER_USER_PER_10_MINUTES": "500",
        "OTP_SENDS_PER_IP_PER_HOUR": "1000",
        "PASSKEY_LOGINS_PER_IP_PER_10_MINUTES": "500",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(STAMPCARD), "serve", "--demo"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"stampcard serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"stampcard serve did not answer /health within 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(url, browser_database_url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --------------------------------------------------------------------------- browsers


@pytest.fixture(scope="session")
async def pw() -> AsyncIterator[Playwright]:
    async with async_playwright() as playwright:
        yield playwright


async def launch_chromium(pw: Playwright, extra_args: list[str] | None = None) -> Browser:
    return await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []))


@pytest.fixture(scope="session")
async def browser(pw: Playwright) -> AsyncIterator[Browser]:
    chromium = await launch_chromium(pw)
    yield chromium
    await chromium.close()


async def new_phone_context(browser: Browser, server: Server, **extra: object) -> BrowserContext:
    context = await browser.new_context(base_url=server.url, **PHONE, **extra)  # type: ignore[arg-type]
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context


@pytest.fixture
async def phone(browser: Browser, server: Server) -> AsyncIterator[BrowserContext]:
    """A member's phone: its own context (cookies, IndexedDB, service worker)."""
    context = await new_phone_context(browser, server)
    yield context
    await context.close()


@pytest.fixture
async def office(browser: Browser, server: Server) -> AsyncIterator[BrowserContext]:
    """The owner's own phone."""
    context = await new_phone_context(browser, server)
    yield context
    await context.close()


@pytest.fixture
async def till(browser: Browser, server: Server) -> AsyncIterator[BrowserContext]:
    """A store device without a camera."""
    context = await new_phone_context(browser, server)
    yield context
    await context.close()


async def screenshot(page: Page, name: str) -> None:
    """The whole page, from the top (a full-page shot of a scrolled page draws the sticky header midway)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# --------------------------------------------------------------------------- journeys


def fresh_mobile() -> str:
    """A valid Norwegian mobile number nobody has: the demo members' numbers are 91000000 and up."""
    return "90" + "".join(random.choices("0123456789", k=6))


async def outbox_code(server: Server, mobile: str, *, not_before: datetime | None = None) -> str:
    """The latest one-time code the dev outbox holds for `mobile`."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(50):
            response = await client.get("/api/dev/outbox", params={"to": mobile})
            response.raise_for_status()
            for message in response.json():  # newest first
                created = datetime.fromisoformat(message["created_at"])
                if message["code"] and (not_before is None or created >= not_before):
                    return str(message["code"])
            await asyncio.sleep(0.1)
    raise AssertionError(f"no one-time code for {mobile} in the dev outbox")


async def request_code(page: Page, mobile: str, *, offers: bool = False) -> None:
    """Join step 1: number, terms (and "Tilbud som varsler" when `offers`), "Send kode"; waits for the code screen."""
    await page.goto("/join")
    await page.get_by_test_id("identifier-input").fill(mobile)
    await page.get_by_test_id("terms-checkbox").check()
    if offers:
        await page.get_by_test_id("marketing-push").check()
    await page.get_by_test_id("identify-submit").click()
    await expect(page.get_by_test_id("code-input")).to_be_visible()


@dataclass
class Member:
    mobile: str
    member_number: str


async def join(page: Page, server: Server, mobile: str | None = None, *, offers: bool = False) -> Member:
    """A new member joins through the UI and lands on the home screen."""
    mobile = mobile or fresh_mobile()
    await request_code(page, mobile, offers=offers)
    await page.get_by_test_id("code-input").fill(await outbox_code(server, mobile))
    await page.get_by_test_id("code-submit").click()
    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("stamp-count")).to_be_visible()
    me = await page.request.get("/api/me")
    assert me.ok, await me.text()
    return Member(mobile, (await me.json())["member"]["member_number"])


async def staff_login(page: Page, username: str = STAFF_LOGIN[0], password: str = STAFF_LOGIN[1]) -> None:
    await page.goto("/staff/login")
    await page.get_by_test_id("staff-username").fill(username)
    await page.get_by_test_id("staff-password").fill(password)
    await page.get_by_test_id("staff-login-submit").click()
    await page.wait_for_url(re.compile(r"/staff$"))
    await expect(page.get_by_test_id("staff-identity")).to_contain_text("Grünerløkka")


async def owner_login(page: Page) -> None:
    """The owner signs in on the same staff form and lands on the back office."""
    await page.goto("/staff/login")
    await page.get_by_test_id("staff-username").fill(OWNER_LOGIN[0])
    await page.get_by_test_id("staff-password").fill(OWNER_LOGIN[1])
    await page.get_by_test_id("staff-login-submit").click()
    await page.wait_for_url(re.compile(r"/admin$"))
    await expect(page.get_by_test_id("admin-greeting")).to_be_visible()


async def member_login(page: Page, server: Server, mobile: str) -> None:
    """An existing member logs in with a one-time code and lands on the home screen."""
    await page.goto("/login")
    await page.get_by_test_id("identifier-input").fill(mobile)
    await page.get_by_test_id("identify-submit").click()
    await expect(page.get_by_test_id("code-input")).to_be_visible()
    await page.get_by_test_id("code-input").fill(await outbox_code(server, mobile))
    await page.get_by_test_id("code-submit").click()
    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("stamp-count")).to_be_visible()


async def wait_for_service_worker(page: Page) -> None:
    """Until the service worker is active (shell precached) and controls this page."""
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=UI_TIMEOUT_MS)


# --------------------------------------------------------------------------- database look-ups


async def query(database_url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Rows of a read-only query on the browser session's database (`?` placeholders on both engines)."""
    if database_url.startswith("postgresql"):
        counter = itertools.count(1)
        numbered = re.sub(r"\?", lambda _m: f"${next(counter)}", sql)
        connection = await asyncpg.connect(database_url)
        try:
            return [tuple(r) for r in await connection.fetch(numbered, *args)]
        finally:
            await connection.close()
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return [tuple(r) for r in connection.execute(sql, args).fetchall()]


async def execute(database_url: str, sql: str, *args: object) -> None:
    """One write on the browser session's database, for a state the app reaches only over days."""
    if database_url.startswith("postgresql"):
        counter = itertools.count(1)
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(re.sub(r"\?", lambda _m: f"${next(counter)}", sql), *args)
        finally:
            await connection.close()
        return
    with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as connection:
        connection.execute(sql, args)


async def demo_member_with_active_reward(database_url: str) -> str:
    """The member number of a demo member who holds a reward that is still valid."""
    sql = (
        "SELECT m.member_number, r.expires_at FROM reward r JOIN member m ON m.id = r.member "
        "WHERE r.status = 'active' ORDER BY r.expires_at DESC"
    )
    if database_url.startswith("postgresql"):
        connection = await asyncpg.connect(database_url)
        try:
            rows = [(r[0], r[1]) for r in await connection.fetch(sql)]
        finally:
            await connection.close()
    else:
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            rows = connection.execute(sql).fetchall()
    now = datetime.now(UTC)
    for number, expires_at in rows:
        expires = expires_at if isinstance(expires_at, datetime) else datetime.fromisoformat(str(expires_at))
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        if expires > now:
            return str(number)
    raise AssertionError("the demo data has no member with an active reward")
