"""The owner's campaign API: who may call it, what it refuses, and a double tap making one campaign."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from backend.campaigns.tables import Campaign
from backend.clock import FrozenClock
from digital_stampcard.clock import OSLO
from tests.api.helpers import Browser, call

OWNER_CALLS = [
    ("GET", "/api/admin/overview", None),
    ("GET", "/api/admin/campaigns/options", None),
    ("GET", "/api/admin/campaigns", None),
    ("GET", "/api/admin/campaigns/1", None),
    ("POST", "/api/admin/campaigns/preview", {}),
    ("POST", "/api/admin/campaigns", {"title": "Hei", "body": "Tilbud"}),
    ("POST", "/api/admin/campaigns/1/cancel", None),
]
MESSAGE = {"title": "Vinterkaffe", "body": "Ny blanding i dag."}


@pytest.mark.parametrize(("method", "url", "body"), OWNER_CALLS)
async def test_only_the_owner_gets_in(new_browser: Callable[[], Browser], method: str, url: str, body: object) -> None:
    anonymous = new_browser()
    response = await call(anonymous, method, url, body)
    assert response.status_code == 401, response.text  # type: ignore[attr-defined]

    cashier = new_browser()
    await cashier.staff_login("kasse1")
    response = await call(cashier, method, url, body)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"  # type: ignore[attr-defined]

    member = new_browser()
    await member.join("91234567")
    response = await call(member, method, url, body)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert await Campaign.count() == 0


async def test_the_form_options_come_from_the_club(owner: Browser) -> None:
    options = (await owner.get("/api/admin/campaigns/options")).json()
    assert [t["code"] for t in options["tiers"]] == ["bronse", "solv", "gull"]
    assert "kaffe" in [i["code"] for i in options["interests"]]
    assert sorted(s["name"] for s in options["stores"]) == ["Bryggen", "Sentrum"]
    assert options["targets"] == ["offer", "card", "rewards"]
    assert options["limits"] == {"title": 60, "body": 200}
    assert options["policy"] == {
        "marketing_per_week": 2,
        "quiet_start": "21:00",
        "quiet_end": "09:00",
        "timezone": "Europe/Oslo",
    }


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"title": "   "}, "campaign_title_missing", "title"),
        ({"body": ""}, "campaign_body_missing", "body"),
        ({"title": "x" * 61}, "campaign_title_too_long", "title"),
        ({"body": "x" * 201}, "campaign_body_too_long", "body"),
        ({"title_en": "Winter coffee"}, "campaign_body_en_missing", "body_en"),
        ({"segment": {"tiers": ["platinum"]}}, "campaign_unknown_tier", "tiers"),
        ({"segment": {"interests_any": ["golf"]}}, "campaign_unknown_interest", "interests_any"),
        ({"segment": {"favourite_store_id": 9999}}, "campaign_unknown_store", "favourite_store_id"),
        (
            {"segment": {"last_visit_after": "2026-11-01", "last_visit_before": "2026-10-01"}},
            "campaign_visit_range_empty",
            "last_visit_after",
        ),
        ({"send_at": "2026-11-23T10:00:00+01:00"}, "campaign_time_past", "send_at"),
        ({"send_at": "2028-01-01T10:00:00+01:00"}, "campaign_time_too_far", "send_at"),
        ({"early_access": {"tiers": ["gull"], "lead_minutes": 0}}, "validation_error", None),
        ({"segment": {"birthday_month": 13}}, "validation_error", None),
        ({"target": "elsewhere"}, "validation_error", None),
    ],
)
async def test_bad_campaigns_are_refused_with_the_field_named(
    owner: Browser, change: dict[str, object], code: str, field: str | None
) -> None:
    response = await owner.post("/api/admin/campaigns", {**MESSAGE, **change}, key=str(uuid.uuid4()))
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["code"] == code and problem["detail"]
    if field is not None:
        assert problem["field"] == field
    assert await Campaign.count() == 0


async def test_a_double_tap_makes_one_campaign(owner: Browser) -> None:
    key = str(uuid.uuid4())
    first = await owner.post("/api/admin/campaigns", MESSAGE, key=key)
    again = await owner.post("/api/admin/campaigns", MESSAGE, key=key)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert await Campaign.count() == 1
    missing_key = await owner.post("/api/admin/campaigns", MESSAGE)
    assert missing_key.status_code == 400 and await Campaign.count() == 1


async def test_texts_are_tidied_and_times_are_utc(owner: Browser, clock: FrozenClock) -> None:
    at = datetime(2026, 11, 26, 12, 0, tzinfo=OSLO)
    body = {"title": "  Vinter\nkaffe  ", "body": "Ny   blanding.", "send_at": at.isoformat(), "target": "rewards"}
    created = (await owner.post("/api/admin/campaigns", body, key=str(uuid.uuid4()))).json()
    assert (created["title"], created["body"]) == ("Vinter kaffe", "Ny blanding.")
    assert created["send_at"] == "2026-11-26T11:00:00Z"
    assert created["status"] == "scheduled" and created["stats"]["recipients"] == 0
    listed = (await owner.get("/api/admin/campaigns")).json()["campaigns"]
    assert [c["id"] for c in listed] == [created["id"]]
    missing = await owner.get("/api/admin/campaigns/9999")
    assert missing.status_code == 404 and missing.json()["code"] == "campaign_not_found"


async def test_send_now_with_early_access_sends_the_others_after_the_head_start(
    owner: Browser, clock: FrozenClock
) -> None:
    body = {**MESSAGE, "early_access": {"tiers": ["gull"], "lead_minutes": 90}}
    created = (await owner.post("/api/admin/campaigns", body, key=str(uuid.uuid4()))).json()
    send_at = datetime.fromisoformat(created["send_at"])
    assert send_at == clock.now() + timedelta(minutes=90)
    assert created["early_access"] == {"tiers": ["gull"], "lead_minutes": 90}


async def test_the_overview_counts_members_devices_and_campaigns(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    phone = new_browser()
    await phone.join("91234567")
    await owner.post("/api/admin/campaigns", {**MESSAGE, "send_at": "2026-11-26T12:00:00+01:00"}, key="k1")
    overview = (await owner.get("/api/admin/overview")).json()
    assert overview["owner"] == {"name": "Eier"}
    assert overview["members"] == {"total": 1, "push_devices": 0, "offers_reachable": 0}
    assert overview["campaigns"]["scheduled"] == 1
    assert overview["campaigns"]["last"]["title"] == "Vinterkaffe"
