"""The owner's program setup and tier editor, and what they change at the till."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from backend.cards.tables import Card, LedgerEntry, Program, Reward, TierLevel
from backend.clock import FrozenClock
from backend.club.tables import Club, Store
from backend.members.tables import Member
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser, call

PROGRAMS = "/api/admin/programs"
TIERS = "/api/admin/tiers"


async def put(browser: Browser, url: str, body: Any) -> Any:
    await browser.ensure_csrf()
    return await browser.client.put(url, json=body, headers={"x-csrftoken": browser.csrf or ""})


async def store_ids() -> dict[str, int]:
    return {r["slug"]: r["id"] for r in await Store.select(Store.slug, Store.id)}


async def demo_program_id(owner: Browser) -> int:
    programs = (await owner.get(PROGRAMS)).json()["programs"]
    return int(next(p["id"] for p in programs if p["name"] == "Kaffekortet"))


async def scan(till: Browser, phone: Browser, clock: FrozenClock) -> dict[str, Any]:
    response = await till.scan(phone.qr(time_step(clock.now())))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def stamp(till: Browser, sid: str, **body: Any) -> Any:
    return await till.post("/api/staff/stamps", {"scan_id": sid, **body}, key=str(uuid.uuid4()))


async def visits(
    till: Browser, phone: Browser, clock: FrozenClock, n: int, *, daily: bool = True, cashier: str = "kasse1"
) -> dict[str, Any]:
    """n visits, each on a day of its own (the daily cap stays out of the way; the till logs in
    again for each day's shift), or (daily=False) two minutes apart, past the duplicate window."""
    body: dict[str, Any] = {}
    for _ in range(n):
        response = await stamp(till, (await scan(till, phone, clock))["scan_id"])
        assert response.status_code == 200, response.text
        body = response.json()
        if daily:
            clock.advance(days=1)
            await till.staff_login(cashier)
        else:
            clock.advance(minutes=2)
    return body


# --- programs: CRUD, validation, who may -------------------------------------------------------


async def test_owner_lists_creates_changes_and_deactivates_programs(owner: Browser, clock: FrozenClock) -> None:
    listing = (await owner.get(PROGRAMS)).json()
    assert [p["name"] for p in listing["programs"]] == ["Kaffekortet"]
    assert {s["name"] for s in listing["stores"]} == {"Sentrum", "Bryggen"}
    stores = await store_ids()
    demo = await demo_program_id(owner)
    assert (await owner.patch(f"{PROGRAMS}/{demo}", {"store_ids": [stores["sentrum"]]})).status_code == 200
    start = clock.now() + timedelta(days=10)
    created = await owner.post(
        PROGRAMS,
        {
            "name": " Lunsjkortet ",
            "capacity": 6,
            "reward_text": "Gratis lunsj",
            "reward_value_ore": 12900,
            "stamp_basis": "amount",
            "ore_per_stamp": 10000,
            "daily_cap": 2,
            "store_ids": [stores["bryggen"]],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=30)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    program = created.json()
    assert program["name"] == "Lunsjkortet" and program["active"] is True and program["in_effect"] is False
    assert program["store_ids"] == [stores["bryggen"]] and program["reward_value_ore"] == 12900
    pid = program["id"]
    changed = await owner.patch(f"{PROGRAMS}/{pid}", {"capacity": 8, "ends_at": None})
    assert changed.status_code == 200, changed.text
    assert changed.json()["capacity"] == 8 and changed.json()["ends_at"] is None
    assert changed.json()["stamp_basis"] == "amount"  # what was not sent stays
    row = await Program.objects().where(Program.id == pid).first()
    assert row is not None and row.capacity == 8 and row.updated_at == clock.now()
    off = await owner.post(f"{PROGRAMS}/{pid}/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await owner.get(f"{PROGRAMS}/{pid}")).json()["active"] is False
    assert (await owner.get(f"{PROGRAMS}/999999")).status_code == 404


async def test_field_errors_name_the_field(owner: Browser, clock: FrozenClock) -> None:
    base = {"name": "Nytt kort", "store_ids": [(await store_ids())["sentrum"]]}
    await owner.post(f"{PROGRAMS}/{await demo_program_id(owner)}/deactivate")
    cases = [
        ({"capacity": 0}, "program_capacity_invalid", "capacity"),
        ({"capacity": 51}, "program_capacity_invalid", "capacity"),
        ({"daily_cap": 0}, "program_cap_invalid", "daily_cap"),
        ({"name": "  "}, "program_name_invalid", "name"),
        ({"store_ids": [987654]}, "program_store_unknown", "store_ids"),
        ({"stamp_basis": "amount", "ore_per_stamp": 0}, "program_amount_invalid", "ore_per_stamp"),
        (
            {"starts_at": clock.now().isoformat(), "ends_at": (clock.now() - timedelta(days=1)).isoformat()},
            "program_dates_invalid",
            "ends_at",
        ),
    ]
    for change, code, field in cases:
        response = await owner.post(PROGRAMS, {**base, **change})
        assert response.status_code == 400, (change, response.text)
        assert response.json()["code"] == code and response.json()["field"] == field, change
    assert await Program.count() == 1


async def test_overlapping_programs_are_refused_with_a_clear_error(owner: Browser, clock: FrozenClock) -> None:
    stores = await store_ids()
    demo = await demo_program_id(owner)  # every store, no dates
    clash = await owner.post(PROGRAMS, {"name": "Sentrumkort", "store_ids": [stores["sentrum"]]})
    assert clash.status_code == 409 and clash.json()["code"] == "program_overlap"
    assert "Kaffekortet" in clash.json()["detail"] and clash.json()["field"] == "store_ids"
    # Limit the demo program to Bryggen: Sentrum is free, but only outside a dated program's span.
    assert (await owner.patch(f"{PROGRAMS}/{demo}", {"store_ids": [stores["bryggen"]]})).status_code == 200
    jan = clock.now() + timedelta(days=40)
    dated = {"name": "Januarkort", "store_ids": [stores["sentrum"]], "starts_at": jan.isoformat()}
    dated["ends_at"] = (jan + timedelta(days=31)).isoformat()
    assert (await owner.post(PROGRAMS, dated)).status_code == 201
    before = {"name": "Desemberkort", "store_ids": [stores["sentrum"]], "ends_at": jan.isoformat()}
    assert (await owner.post(PROGRAMS, before)).status_code == 201  # ends as January's starts
    overlapping = {**before, "name": "Julekort", "ends_at": (jan + timedelta(days=1)).isoformat()}
    assert (await owner.post(PROGRAMS, overlapping)).status_code == 409
    # Widening the demo program back to every store would overlap them; so would reactivating a clash.
    widen = await owner.patch(f"{PROGRAMS}/{demo}", {"store_ids": []})
    assert widen.status_code == 409 and widen.json()["code"] == "program_overlap"
    await owner.post(f"{PROGRAMS}/{demo}/deactivate")
    assert (await owner.patch(f"{PROGRAMS}/{demo}", {"store_ids": []})).status_code == 200  # inactive: no clash
    again = await owner.post(f"{PROGRAMS}/{demo}/activate")
    assert again.status_code == 409 and again.json()["code"] == "program_overlap"


async def test_only_the_owner_may(new_browser: Callable[[], Browser], owner: Browser) -> None:
    cashier, member, anonymous = new_browser(), new_browser(), new_browser()
    await cashier.staff_login("kasse1")
    await member.join("91234567")
    pid = await demo_program_id(owner)
    ladder = {"tiers": [{"code": "a", "name_nb": "A", "threshold": 0}, {"code": "b", "name_nb": "B", "threshold": 5}]}
    endpoints = [
        ("GET", PROGRAMS, None),
        ("POST", PROGRAMS, {"name": "X"}),
        ("GET", f"{PROGRAMS}/{pid}", None),
        ("PATCH", f"{PROGRAMS}/{pid}", {"capacity": 3}),
        ("POST", f"{PROGRAMS}/{pid}/deactivate", None),
        ("POST", f"{PROGRAMS}/{pid}/activate", None),
        ("GET", TIERS, None),
        ("POST", f"{TIERS}/preview", ladder),
    ]
    for who, status in [(cashier, 403), (member, 403), (anonymous, 401)]:
        for method, url, body in endpoints:
            response = await call(who, method, url, body)
            assert response.status_code == status, (method, url, response.text)
        assert (await put(who, TIERS, ladder)).status_code == status
    program = await Program.objects().where(Program.id == pid).first()
    assert program is not None and program.capacity == 10 and program.active
    assert await Program.count() == 1 and await TierLevel.count() == 3


# --- what a change does at the till ------------------------------------------------------------


async def test_a_change_applies_to_new_cards_only(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    await Program.update({Program.daily_cap: 20}, force=True)  # ten visits in one test day
    await visits(till, phone, clock, 2, daily=False)  # an open card of 10 with 2 stamps
    pid = await demo_program_id(owner)
    changed = await owner.patch(f"{PROGRAMS}/{pid}", {"capacity": 8, "reward_value_ore": 6000})
    assert changed.status_code == 200 and changed.json()["open_cards"] == 1
    before = await visits(till, phone, clock, 7, daily=False)
    assert before["scan"]["card"]["capacity"] == 10 and before["scan"]["card"]["stamps"] == 9
    # The open card kept its 10: the tenth stamp completes it, and the next opens with 8.
    body = await visits(till, phone, clock, 1, daily=False)
    cards = await Card.objects().order_by(Card.seq)
    assert [(c.capacity, c.status, c.stamps) for c in cards] == [(10, "completed", 10), (8, "open", 0)]
    assert body["scan"]["card"] == {
        "program_name": "Kaffekortet",
        "stamps": 0,
        "capacity": 8,
        "reward_text": "Gratis kaffe",
    }
    reward = await Reward.objects().first()
    assert reward is not None and reward.value_ore == 4500  # the first card was opened when it was worth 45 kr
    assert (cards[0].reward_value_ore, cards[1].reward_value_ore) == (4500, 6000)


async def test_stamping_by_amount(new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock) -> None:
    pid = await demo_program_id(owner)
    by_amount = await owner.patch(f"{PROGRAMS}/{pid}", {"stamp_basis": "amount", "ore_per_stamp": 10000})
    assert by_amount.status_code == 200
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    scanned = await scan(till, phone, clock)
    assert scanned["stamp_basis"] == "amount" and scanned["ore_per_stamp"] == 10000
    missing = await stamp(till, scanned["scan_id"])
    assert missing.status_code == 400 and missing.json()["code"] == "amount_required"
    small = await stamp(till, scanned["scan_id"], amount_ore=5000)
    assert small.status_code == 400 and small.json()["code"] == "amount_too_small"
    assert small.json()["field"] == "amount_ore" and small.json()["ore_per_stamp"] == 10000
    assert await LedgerEntry.count().where(LedgerEntry.kind == "stamp") == 0 and await Card.count() == 0
    given = await stamp(till, scanned["scan_id"], amount_ore=24950)
    assert given.status_code == 200, given.text
    assert given.json()["added"] == 2 and given.json()["scan"]["card"]["stamps"] == 2
    entry = await LedgerEntry.objects().where(LedgerEntry.kind == "stamp").first()
    assert entry is not None and entry.amount_ore == 24950 and entry.stamps == 2 and entry.reason == "purchase"


async def test_a_program_for_one_store_does_not_stamp_in_another_and_dates_hold(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    stores = await store_ids()
    demo = await demo_program_id(owner)
    await owner.patch(f"{PROGRAMS}/{demo}", {"store_ids": [stores["sentrum"]]})  # kasse1's store only
    phone, sentrum, bryggen = new_browser(), new_browser(), new_browser()
    await phone.join("91234567")
    await sentrum.staff_login("kasse1")
    await bryggen.staff_login("kasse2")
    # Bryggen has no program: the scan shows the member (rewards can still be redeemed), no card, no stamps.
    elsewhere = await scan(bryggen, phone, clock)
    assert elsewhere["card"] is None
    refused = await stamp(bryggen, elsewhere["scan_id"])
    assert refused.status_code == 404 and refused.json()["code"] == "no_program"
    clock.advance(minutes=1)
    assert (await stamp(sentrum, (await scan(sentrum, phone, clock))["scan_id"])).status_code == 200
    # A Bryggen program that starts tomorrow: not before.
    tomorrow = clock.now() + timedelta(days=1)
    created = await owner.post(
        PROGRAMS,
        {"name": "Bryggekortet", "capacity": 5, "store_ids": [stores["bryggen"]], "starts_at": tomorrow.isoformat()},
    )
    assert created.status_code == 201
    clock.advance(minutes=5)
    assert (await scan(bryggen, phone, clock))["card"] is None
    clock.advance(days=1)
    await bryggen.staff_login("kasse2")  # a new shift
    scanned = await scan(bryggen, phone, clock)
    assert scanned["card"]["program_name"] == "Bryggekortet" and scanned["card"]["capacity"] == 5
    assert (await stamp(bryggen, scanned["scan_id"])).status_code == 200
    by_program = {c.program: c.stamps for c in await Card.objects()}
    assert by_program == {demo: 1, created.json()["id"]: 1}
    # An end date stops it.
    await owner.staff_login("eier")  # a new day
    await owner.patch(f"{PROGRAMS}/{created.json()['id']}", {"ends_at": (clock.now() + timedelta(hours=1)).isoformat()})
    clock.advance(hours=2)
    ended = await scan(bryggen, phone, clock)
    assert ended["card"] is None
    assert (await stamp(bryggen, ended["scan_id"])).json()["code"] == "no_program"
    assert by_program == {c.program: c.stamps for c in await Card.objects()}  # nothing more was written


# --- tiers ---------------------------------------------------------------------------------------


def ladder(*tiers: tuple[str, int], window_days: int = 365, **extra: Any) -> dict[str, Any]:
    rows = [{"code": c, "name_nb": c.title(), "name_en": c.title(), "threshold": t} for c, t in tiers]
    for code, fields in extra.items():
        next(r for r in rows if r["code"] == code).update(fields)
    return {"tiers": rows, "window_days": window_days}


async def seed_members(clock: FrozenClock, earned: list[tuple[int, int]], tier_code: str = "bronse") -> None:
    """Members with the given stamps earned `days_ago` days back (straight into the ledger)."""
    for n, (stamps, days_ago) in enumerate(earned):
        rows = await Member.insert(
            Member(
                member_number=f"9{n:08d}",
                tier_code=tier_code,
                tier_review_at=clock.now() + timedelta(days=200),
                joined_at=clock.now() - timedelta(days=400),
            )
        ).returning(Member.id)
        if stamps:
            await LedgerEntry.insert(
                LedgerEntry(
                    member=rows[0]["id"], kind="stamp", stamps=stamps, created_at=clock.now() - timedelta(days=days_ago)
                )
            )


async def test_tier_preview_counts_are_exact(owner: Browser, clock: FrozenClock) -> None:
    # earned in the last 365 days: 0, 0 (old), 3, 10, 12, 30; in the last 60 days: 0, 0, 3, 0, 12, 0
    await seed_members(clock, [(0, 0), (40, 400), (3, 10), (10, 100), (12, 50), (30, 300)])
    await Member.update({Member.tier_code: "gull"}).where(Member.member_number == "900000005")
    proposed = ladder(("bronse", 0), ("solv", 10), ("gull", 25))
    response = await owner.post(f"{TIERS}/preview", proposed)
    assert response.status_code == 200, response.text
    rows = {r["code"]: (r["members_now"], r["members_proposed"]) for r in response.json()["rows"]}
    assert rows == {"bronse": (5, 3), "solv": (0, 2), "gull": (1, 1)}
    assert response.json()["members_total"] == 6
    shorter = await owner.post(f"{TIERS}/preview", ladder(("bronse", 0), ("solv", 3), ("gull", 12), window_days=60))
    rows = {r["code"]: r["members_proposed"] for r in shorter.json()["rows"]}
    assert rows == {"bronse": 3, "solv": 1, "gull": 2}  # the gull member earned nothing lately but keeps gull
    assert await TierLevel.count() == 3  # a preview saves nothing
    assert (await TierLevel.objects().where(TierLevel.code == "solv").first()).threshold == 10  # type: ignore[union-attr]


async def test_ladder_rules(owner: Browser) -> None:
    cases = [
        (ladder(("a", 1), ("b", 5)), "tier_first_not_zero", "tiers[0].threshold"),
        (ladder(("a", 0), ("b", 5), ("c", 5)), "tier_threshold_order", "tiers[2].threshold"),
        (ladder(("a", 0), ("a", 5)), "tier_code_taken", "tiers[1].code"),
        (ladder(("a", 0)), "tier_count_invalid", "tiers"),
        (ladder(*[(f"t{i}", i) for i in range(7)]), "tier_count_invalid", "tiers"),
        (ladder(("a", 0), ("b", 5), b={"stamp_multiplier": 6}), "tier_multiplier_invalid", "tiers[1].stamp_multiplier"),
        (ladder(("a", 0), ("b", 5), window_days=29), "tier_window_invalid", "window_days"),
        (ladder(("a", 0), ("b", 5), window_days=731), "tier_window_invalid", "window_days"),
    ]
    for body, code, field in cases:
        for response in (await owner.post(f"{TIERS}/preview", body), await put(owner, TIERS, body)):
            assert response.status_code == 400, (body, response.text)
            assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert await TierLevel.count() == 3


async def test_saving_thresholds_never_demotes_and_promotes_at_the_next_stamp(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    await visits(till, phone, clock, 3)
    await Member.update({Member.tier_code: "solv"}, force=True)  # held from before (e.g. last year)
    await owner.staff_login("eier")  # a new day
    saved = await put(owner, TIERS, ladder(("bronse", 0), ("solv", 20), ("gull", 4), window_days=90))
    assert saved.status_code == 400  # thresholds must increase
    body = ladder(
        ("bronse", 0),
        ("solv", 20),
        ("gull", 40),
        ("vip", 60),
        window_days=90,
        vip={"stamp_multiplier": 2, "early_access_minutes": 90},
    )
    saved = await put(owner, TIERS, body)
    assert saved.status_code == 200, saved.text
    assert [(t["code"], t["threshold"], t["members"]) for t in saved.json()["tiers"]] == [
        ("bronse", 0, 0),
        ("solv", 20, 1),
        ("gull", 40, 0),
        ("vip", 60, 0),
    ]
    assert saved.json()["window_days"] == 90
    assert (await Club.select(Club.tier_window_days).first())["tier_window_days"] == 90  # type: ignore[index]
    assert (await Member.select(Member.tier_code).first())["tier_code"] == "solv"  # type: ignore[index]
    assert (await owner.get(TIERS)).json() == saved.json()
    options = (await owner.get("/api/admin/campaigns/options")).json()["tiers"]
    assert [(t["code"], t["early_access_minutes"]) for t in options] == [
        ("bronse", 0),
        ("solv", 0),
        ("gull", 0),
        ("vip", 90),
    ]
    home = (await phone.get("/api/me")).json()
    assert home["tier"]["code"] == "solv" and home["tier_progress"]["window_days"] == 90
    # Lowered: the member qualifies for gull with 3 stamps, and moves up at the next stamp.
    await put(owner, TIERS, ladder(("bronse", 0), ("solv", 2), ("gull", 4), window_days=90))
    assert (await Member.select(Member.tier_code).first())["tier_code"] == "solv"  # type: ignore[index]
    after = await visits(till, phone, clock, 1)
    assert after["scan"]["member"]["tier"]["code"] == "gull"


async def test_removing_a_tier_moves_its_holders_to_the_tier_for_its_threshold(
    owner: Browser, clock: FrozenClock
) -> None:
    await seed_members(clock, [(0, 0)], tier_code="gull")
    saved = await put(owner, TIERS, ladder(("bronse", 0), ("solv", 10), ("platina", 20)))
    assert saved.status_code == 200
    assert (await Member.select(Member.tier_code).first())["tier_code"] == "platina"  # type: ignore[index]
    assert await TierLevel.count() == 3 and not await TierLevel.exists().where(TierLevel.code == "gull")


async def test_the_extra_reward_for_reaching_a_tier_is_given_once(
    new_browser: Callable[[], Browser], owner: Browser, clock: FrozenClock
) -> None:
    body = ladder(("bronse", 0), ("solv", 2), ("gull", 30), solv={"extra_reward_text": "Gratis kanelbolle"})
    assert (await put(owner, TIERS, body)).status_code == 200
    phone, till = new_browser(), new_browser()
    await phone.join("91234567")
    await till.staff_login("kasse1")
    await visits(till, phone, clock, 1)
    assert await Reward.count() == 0
    reached = await visits(till, phone, clock, 1)
    assert reached["scan"]["member"]["tier"]["code"] == "solv"
    assert [r["title"] for r in reached["scan"]["rewards"]] == ["Gratis kanelbolle"]
    issued = await LedgerEntry.objects().where(LedgerEntry.kind == "reward_issued")
    assert [(e.reason, e.stamps) for e in issued] == [("tier_reached:solv", 0)]
    # Down at the review and up again: not a second time.
    await Member.update({Member.tier_code: "bronse"}, force=True)
    await visits(till, phone, clock, 1)
    assert (await Member.select(Member.tier_code).first())["tier_code"] == "solv"  # type: ignore[index]
    assert await Reward.count() == 1


async def test_the_openapi_schema_documents_programs_and_tiers(new_browser: Callable[[], Browser]) -> None:
    schema = (await new_browser().get("/api/docs/openapi.json")).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths[PROGRAMS])
    assert {"get", "patch"} <= set(paths[f"{PROGRAMS}/{{program_id}}"])
    assert "post" in paths[f"{PROGRAMS}/{{program_id}}/deactivate"]
    assert {"get", "put"} <= set(paths[TIERS]) and "post" in paths[f"{TIERS}/preview"]
    patch = schema["components"]["schemas"]["ProgramPatch"]["properties"]
    assert {"capacity", "store_ids", "starts_at", "ends_at", "stamp_basis"} <= set(patch)


async def test_a_new_member_starts_in_the_lowest_tier_whatever_it_is_called(
    owner: Browser, new_browser: Callable[[], Browser]
) -> None:
    saved = await put(owner, TIERS, ladder(("start", 0), ("stamgjest", 15)))
    assert saved.status_code == 200, saved.text
    joined = await new_browser().join("93456789")
    member = await Member.select(Member.tier_code).where(Member.member_number == joined["member"]["member_number"])
    assert member == [{"tier_code": "start"}]
    assert [(t["code"], t["members"]) for t in (await owner.get(TIERS)).json()["tiers"]][0] == ("start", 1)
