"""A body that is not readable JSON (nested ten thousand deep, or cut off) is a 400 `invalid_json`
problem, with or without a log-in, and no error is logged (issue 12, item 10.7); it used to be a 500 with
a traceback in the log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.helpers import Browser

NESTED_ARRAYS = "[" * 10_000
NESTED_OBJECTS = '{"a":' * 10_000 + "1" + "}" * 10_000  # well-formed, just too deep
TRUNCATED = '{"a":'


async def send_raw(browser: Browser, url: str, body: str) -> Any:
    await browser.ensure_csrf()
    headers = {"x-csrftoken": browser.csrf or "", "content-type": "application/json"}
    return await browser.client.post(url, content=body, headers=headers)


def assert_invalid_json(response: Any) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid_json" and problem["status"] == 400
    assert "Traceback" not in response.text and "Recursion" not in response.text


@pytest.mark.parametrize("body", [NESTED_ARRAYS, NESTED_OBJECTS, TRUNCATED], ids=["arrays", "objects", "truncated"])
async def test_a_public_endpoint_answers_400_and_keeps_working(
    new_browser: Callable[[], Browser], caplog: pytest.LogCaptureFixture, body: str
) -> None:
    phone = new_browser()
    with caplog.at_level(logging.WARNING):
        assert_invalid_json(await send_raw(phone, "/api/auth/otp/start", body))
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    after = await phone.post(
        "/api/auth/otp/start", {"identifier": "91234567", "purpose": "join", "terms_accepted": True}
    )
    assert after.status_code == 202, after.text


@pytest.mark.parametrize("body", [NESTED_ARRAYS, TRUNCATED], ids=["arrays", "truncated"])
async def test_an_authenticated_endpoint_answers_400_too(
    new_browser: Callable[[], Browser], caplog: pytest.LogCaptureFixture, body: str
) -> None:
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login()
    with caplog.at_level(logging.WARNING):
        assert_invalid_json(await send_raw(phone, "/api/me/contact/start", body))
        assert_invalid_json(await send_raw(till, "/api/staff/scans", body))
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert (await phone.get("/api/me")).status_code == 200
    assert (await till.get("/api/staff/me")).status_code == 200


async def test_valid_json_of_the_wrong_shape_is_still_a_validation_error(new_browser: Callable[[], Browser]) -> None:
    response = await send_raw(new_browser(), "/api/auth/otp/start", '{"identifier": 5}')
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
