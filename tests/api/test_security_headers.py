"""Every answer carries the security headers (issue 12, item 10.8): a 404 for an unknown path and a 405
used to go out without them, since Litestar runs middleware only for a matched route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest

from backend.app import create_app
from backend.clock import FrozenClock
from backend.settings import Settings
from tests.api.helpers import Browser


def assert_security_headers(response: Any) -> None:
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp, csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["permissions-policy"].startswith("camera=(self)")
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert len(headers.get_list("content-security-policy")) == 1  # put on once, not once per layer


@pytest.mark.parametrize("path", ["/no-such-path", "/api/no-such", "/assets/no-such.js", "/api/me/no-such"])
async def test_an_unknown_path_is_a_404_with_the_headers(new_browser: Callable[[], Browser], path: str) -> None:
    response = await new_browser().get(path)
    assert response.status_code == 404, path
    assert_security_headers(response)


async def test_a_wrong_method_is_a_405_with_the_headers(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    response = await phone.client.delete("/api/config")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert_security_headers(response)


async def test_problem_answers_carry_the_headers(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.ensure_csrf()
    broken = await phone.client.post(
        "/api/auth/otp/start",
        content='{"a":',
        headers={"x-csrftoken": phone.csrf or "", "content-type": "application/json"},
    )
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_json"
    assert_security_headers(broken)
    invalid = await phone.post("/api/auth/otp/start", {"identifier": "123", "purpose": "join", "terms_accepted": True})
    assert invalid.status_code == 400 and invalid.headers["content-type"].startswith("application/problem+json")
    assert_security_headers(invalid)
    cross_site = await phone.post(  # refused by the origin check before any route runs
        "/api/auth/otp/start", {}, headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403
    assert_security_headers(cross_site)


async def test_routed_answers_keep_their_request_id(new_browser: Callable[[], Browser]) -> None:
    response = await new_browser().get("/api/config", headers={"X-Request-ID": "till-7.abc"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "till-7.abc"
    assert_security_headers(response)


async def test_production_puts_hsts_on_a_404_too(settings: Settings, clock: FrozenClock) -> None:
    production = msgspec.structs.replace(settings, environment="production", public_url="https://testserver.local")
    app = create_app(production, clock=clock, run_migrations=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=production.public_url) as client:
        response = await client.get("/no-such-path")
    assert response.status_code == 404
    assert_security_headers(response)
    assert response.headers["strict-transport-security"].startswith("max-age=")
