"""Join step 2 (profile enrichment), the bonus stamp, and device keys."""

from __future__ import annotations

from collections.abc import Callable

from backend.cards.tables import LedgerEntry
from backend.club.tables import Store
from backend.members.tables import Member, MemberDevice
from tests.api.helpers import Browser, new_device_key


async def full_profile() -> dict[str, object]:
    store = await Store.objects().first()
    assert store is not None
    return {
        "first_name": "Kari",
        "birthday": "1990-05-17",
        "interests": ["kaffe", "bakst"],
        "favourite_store_id": store.id,
    }


async def test_completing_the_profile_grants_the_bonus_stamp_once(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("91234567")
    home = (await phone.get("/api/me")).json()
    assert home["member"]["show_profile_prompt"] is True
    partial = await phone.patch("/api/me/profile", {"first_name": "Kari"})
    assert partial.status_code == 200 and partial.json()["card"]["stamps"] == 0
    done = (await phone.patch("/api/me/profile", await full_profile())).json()
    assert done["card"]["stamps"] == 1
    assert done["member"]["profile_completed"] is True and done["member"]["show_profile_prompt"] is False
    assert done["activity"][0]["kind"] == "bonus" and done["activity"][0]["reason"] == "profile_completed"
    again = (await phone.patch("/api/me/profile", {"first_name": "Kari Nordmann", "interests": ["te"]})).json()
    assert again["card"]["stamps"] == 1
    assert await LedgerEntry.count().where(LedgerEntry.kind == "bonus") == 1
    assert again["profile"]["first_name"] == "Kari Nordmann" and again["profile"]["interests"] == ["te"]


async def test_step_two_can_be_skipped(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("91234567")
    assert (await phone.post("/api/me/profile/dismiss")).status_code == 204
    home = (await phone.get("/api/me")).json()
    assert home["member"]["show_profile_prompt"] is False and home["member"]["profile_completed"] is False


async def test_members_cannot_patch_stamps_tiers_or_bad_values(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("91234567")
    for body, code in [
        ({"tier_code": "gull"}, "validation_error"),
        ({"stamps": 99}, "validation_error"),
        ({"interests": ["fallskjerm"]}, "validation_error"),
        ({"birthday": "2999-01-01"}, "validation_error"),
        ({"favourite_store_id": 9999}, "validation_error"),
        ({"first_name": ""}, "validation_error"),
    ]:
        response = await phone.patch("/api/me/profile", body)
        assert response.status_code == 400, body
        assert response.json()["code"] == code
    member = await Member.objects().first()
    assert member is not None and member.tier_code == "bronse" and member.first_name is None


async def test_a_phone_can_register_a_new_device_key(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    joined = await phone.join("91234567")
    _, public_key = new_device_key()
    response = await phone.post("/api/me/devices", {"public_key": public_key, "label": "ny telefon"})
    assert response.status_code == 201
    assert response.json()["device_id"] != joined["device_id"] and len(response.json()["device_id"]) == 10
    assert (await phone.get("/api/me")).json()["device"]["device_id"] == response.json()["device_id"]
    junk = await phone.post("/api/me/devices", {"public_key": "bm90IGEga2V5", "label": "x"})
    assert junk.status_code == 400 and junk.json()["code"] == "validation_error"
    assert await MemberDevice.count() == 2
