"""The owner's dashboard: exact figures from a small history around Oslo day boundaries, the CSV
tables behind the charts, and who may look."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.accounts.tables import StaffAccount
from backend.campaigns.tables import Campaign
from backend.cards.tables import LedgerEntry, Program, Reward
from backend.club.tables import Store
from backend.dashboard.rollups import ROLLUPS, fold_all
from backend.members.tables import ConsentEvent, Member
from backend.push.tables import Notification, PushDelivery, PushSubscription
from tests.api.helpers import Browser

PERIOD = "/api/admin/dashboard?from=2026-11-18&to=2026-11-24"


def utc(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def member(n: int, joined: datetime, store: str | None, tier: str = "bronse", source: str = "poster") -> int:
    store_id = None
    if store:
        row = await Store.select(Store.id).where(Store.slug == store).first()
        assert row is not None
        store_id = row["id"]
    [row] = await Member.insert(
        Member(
            member_number=f"00000000{n}",
            phone=f"+4790000{n:03d}",
            source_store=store_id,
            signup_source=source if store_id else "direct",
            tier_code=tier,
            tier_review_at=joined,
            joined_at=joined,
        )
    ).returning(Member.id)
    return int(row["id"])


async def ledger(member_id: int, at: datetime, kind: str = "stamp", stamps: int = 1) -> None:
    program = await Program.objects().first()
    assert program is not None
    await LedgerEntry.insert(LedgerEntry(member=member_id, program=program.id, kind=kind, stamps=stamps, created_at=at))


async def reward(member_id: int, issued: datetime, status: str, redeemed: datetime | None = None) -> None:
    program = await Program.objects().first()
    assert program is not None
    await Reward.insert(
        Reward(
            member=member_id,
            program=program.id,
            title="Gratis kaffe",
            status=status,
            issued_at=issued,
            expires_at=issued + timedelta(days=30),
            redeemed_at=redeemed,
        )
    )


async def consent(member_id: int, granted: bool, at: datetime) -> None:
    await ConsentEvent.insert(
        ConsentEvent(
            member=member_id, purpose="marketing_push", granted=granted, text_version="v1", source="t", created_at=at
        )
    )


async def push(member_id: int, kind: str, at: datetime, status: str = "sent", **delivery: Any) -> int:
    [note] = await Notification.insert(
        Notification(
            member=member_id,
            kind=kind,
            dedupe_key=f"{kind}:{member_id}:{at.isoformat()}:{delivery.get('campaign')}",
            created_at=at,
            due_at=at,
            status="expanded",
            campaign=delivery.pop("campaign", None),
        )
    ).returning(Notification.id)
    await PushDelivery.insert(
        PushDelivery(
            notification=note["id"],
            delivery_key=f"{note['id']}:x",
            status=status,
            next_attempt_at=at,
            created_at=at,
            sent_at=at if status == "sent" else None,
            **delivery,
        )
    )
    return int(note["id"])


async def campaign(title: str, released: datetime) -> int:
    owner_row = await StaffAccount.select(StaffAccount.id).where(StaffAccount.username == "eier").first()
    assert owner_row is not None
    [row] = await Campaign.insert(
        Campaign(
            title=title,
            body="Tilbud",
            send_at=released,
            release_at=released,
            status="released",
            created_by=owner_row["id"],
            created_at=released,
            released_at=released,
        )
    ).returning(Campaign.id)
    return int(row["id"])


@pytest.fixture
async def history(client: object) -> None:
    """November is UTC+1 in Oslo: 23:30 UTC on the 17th is already the 18th there."""
    m1 = await member(1, utc(10, 1), "sentrum", tier="solv")
    m2 = await member(2, utc(11, 17, 23, 30), "bryggen", source="staff")  # Oslo 18 Nov 00:30: in the period
    m3 = await member(3, utc(11, 23, 12), None)
    m4 = await member(4, utc(11, 17, 22, 30), "sentrum")  # Oslo 17 Nov 23:30: before it

    await ledger(m1, utc(11, 17, 22, 30))  # Oslo 17 Nov: outside
    await ledger(m1, utc(11, 19))
    await ledger(m1, utc(11, 20), stamps=2)
    await ledger(m1, utc(11, 23, 23, 30))  # Oslo 24 Nov
    await ledger(m2, utc(11, 18, 9))
    await ledger(m2, utc(11, 18, 9, 5), kind="undo", stamps=-1)
    await ledger(m3, utc(11, 23, 12), kind="bonus")
    await ledger(m4, utc(10, 20))  # active in 90 days, not in 30
    await ledger(m4, utc(11, 21))  # back after "vi savner deg"

    await reward(m1, utc(11, 20), "redeemed", redeemed=utc(11, 21))
    await reward(m1, utc(10, 21), "active")  # ran out on 20 Nov, not swept yet: expired
    await reward(m2, utc(10, 1), "expired")  # ran out before the period
    await reward(m2, utc(11, 22), "active")
    await reward(m3, utc(11, 19), "revoked")  # issued, then neither used nor run out

    await consent(m1, True, utc(10, 1))
    await consent(m2, True, utc(11, 18))
    await consent(m2, False, utc(11, 19))
    await consent(m3, False, utc(11, 23))
    await consent(m3, True, utc(11, 23, 11))
    for member_id, flagged in [(m1, None), (m2, utc(11, 20))]:
        await PushSubscription.insert(
            PushSubscription(
                member=member_id,
                endpoint=f"https://push.example/{member_id}",
                p256dh="k",
                auth="a",
                vapid_key_id="v",
                created_at=utc(11, 1),
                last_seen_at=utc(11, 1),
                flagged_at=flagged,
            )
        )

    winter = await campaign("Vinterkaffe; ny", utc(11, 20))
    old = await campaign("Gammel", utc(10, 1))
    await push(m1, "campaign", utc(11, 20), campaign=winter, received_at=utc(11, 20), opened_at=utc(11, 20, 11))
    await push(m2, "campaign", utc(11, 20), campaign=winter, received_at=utc(11, 20))
    await push(m3, "campaign", utc(11, 20), campaign=winter)
    await push(m1, "campaign", utc(10, 1), campaign=old)

    await push(m4, "we_miss_you", utc(11, 18))  # visited on the 21st: won back
    await push(m2, "we_miss_you", utc(11, 18, 12))  # no visit after it
    await push(m3, "we_miss_you", utc(11, 19), status="failed")  # never reached the phone


async def test_the_owner_sees_the_figures_of_the_period(owner: Browser, history: None) -> None:
    response = await owner.get(PERIOD)
    assert response.status_code == 200, response.text
    d = response.json()
    assert d["period"] == {"from": "2026-11-18", "to": "2026-11-24", "days": 7}
    assert d["as_of"] == "2026-11-24T10:00:00Z"
    assert d["members"] == {
        "total": 4,
        "new": 2,
        "weekly": [{"week": "2026-11-16", "new": 1, "total": 3}, {"week": "2026-11-23", "new": 1, "total": 4}],
    }
    assert d["signups"] == {
        "by_store": [
            {"store_id": 2, "store": "Bryggen", "count": 1},
            {"store_id": 1, "store": "Sentrum", "count": 0},
            {"store_id": None, "store": "", "count": 1},
        ],
        "by_source": [
            {"source": "poster", "count": 0},
            {"source": "staff", "count": 1},
            {"source": "referral", "count": 0},
            {"source": "direct", "count": 1},
        ],
        "referral_tracked": True,
    }
    assert d["activity"] == {
        "active_30d": 3,
        "active_90d": 3,
        "visitors": 3,
        "repeat_visitors": 1,
        "repeat_visit_rate": 0.3333,
        "visits": 5,
        "avg_visits_per_active": 1.67,
    }
    assert d["stamps"]["total"] == 6
    assert [(s["day"], s["stamps"]) for s in d["stamps"]["daily"]] == [
        ("2026-11-18", 0),
        ("2026-11-19", 1),
        ("2026-11-20", 2),
        ("2026-11-21", 1),
        ("2026-11-22", 0),
        ("2026-11-23", 1),
        ("2026-11-24", 1),
    ]
    rewards = d["rewards"]
    assert (rewards["issued"], rewards["redeemed"], rewards["expired"], rewards["redemption_rate"]) == (3, 1, 1, 0.5)
    busy = [
        (r["day"], r["issued"], r["redeemed"], r["expired"])
        for r in rewards["daily"]
        if r != {**r, "issued": 0, "redeemed": 0, "expired": 0}
    ]
    assert busy == [("2026-11-19", 1, 0, 0), ("2026-11-20", 1, 0, 1), ("2026-11-21", 0, 1, 0), ("2026-11-22", 1, 0, 0)]
    assert [(t["code"], t["count"]) for t in d["tiers"]] == [("bronse", 3), ("solv", 1), ("gull", 0)]
    assert d["push"] == {
        "members": 4,
        "push_members": 1,
        "push_opt_in_rate": 0.25,
        "offers_consent": 2,
        "offers_consent_rate": 0.5,
    }
    [winter] = d["campaigns"]
    assert (winter["title"], winter["recipients"], winter["delivered"], winter["clicked"], winter["click_rate"]) == (
        "Vinterkaffe; ny",
        3,
        2,
        1,
        0.5,
    )
    assert d["winback"] == {"window_days": 14, "messaged": 2, "won_back": 1, "rate": 0.5}


async def test_an_empty_club_has_zeros_and_no_rates(owner: Browser) -> None:
    d = (await owner.get("/api/admin/dashboard")).json()
    assert d["period"] == {"from": "2026-10-26", "to": "2026-11-24", "days": 30}
    assert d["members"]["total"] == 0 and len(d["members"]["weekly"]) == 5
    assert len(d["stamps"]["daily"]) == 30 and d["stamps"]["total"] == 0
    assert d["activity"]["repeat_visit_rate"] is None and d["rewards"]["redemption_rate"] is None
    assert d["push"]["push_opt_in_rate"] is None and d["winback"]["rate"] is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-11-24&to=2026-11-01", "dashboard_period_reversed"),
        ("from=2025-01-01&to=2026-11-24", "dashboard_period_too_long"),
        ("from=24.11.2026", "dashboard_bad_date"),
    ],
)
async def test_a_wrong_period_is_explained(owner: Browser, query: str, code: str) -> None:
    response = await owner.get(f"/api/admin/dashboard?{query}")
    assert response.status_code == 400 and response.json()["code"] == code


async def test_each_chart_table_downloads_as_csv_for_norwegian_excel(owner: Browser, history: None) -> None:
    response = await owner.get("/api/admin/dashboard/stamps.csv?from=2026-11-18&to=2026-11-24")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="stampcard-stamps-2026-11-18-2026-11-24.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[:3] == ["Dag;Stempler", "2026-11-18;0", "2026-11-19;1"]
    assert len(lines) == 1 + 7 + 1  # header, seven days, the final line break

    summary = (await owner.get("/api/admin/dashboard/summary.csv?from=2026-11-18&to=2026-11-24")).text
    assert "Andel som kom igjen;0,3333\r\n" in summary and "Innløsningsgrad;0,5\r\n" in summary
    campaigns = (await owner.get("/api/admin/dashboard/campaigns.csv?from=2026-11-18&to=2026-11-24&lang=en")).text
    assert campaigns.split("\r\n")[:2] == [
        "\ufeffCampaign;Sent;Recipients;Delivered;Clicked;Click rate",
        '"Vinterkaffe; ny";2026-11-20;3;2;1;0,5',
    ]
    stores = (await owner.get("/api/admin/dashboard/signups-store.csv?from=2026-11-18&to=2026-11-24")).text
    assert stores.split("\r\n")[1:4] == ["Bryggen;1", "Sentrum;0", "Uten butikk;1"]

    missing = await owner.get("/api/admin/dashboard/secrets.csv")
    assert missing.status_code == 404 and missing.json()["code"] == "dashboard_table_not_found"


@pytest.mark.parametrize("url", ["/api/admin/dashboard", "/api/admin/dashboard/stamps.csv"])
async def test_only_the_owner_sees_the_numbers(new_browser: Callable[[], Browser], url: str) -> None:
    anonymous = new_browser()
    assert (await anonymous.get(url)).status_code == 401
    cashier = new_browser()
    await cashier.staff_login("kasse1")
    response = await cashier.get(url)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    member_phone = new_browser()
    await member_phone.join("91234567")
    assert (await member_phone.get(url)).status_code == 403


ROLLUP_TABLES = list(ROLLUPS)


async def test_the_rollups_kept_by_the_trigger_equal_a_backfill_from_the_ledger(history: None) -> None:
    """Every ledger insert above went through the trigger; rebuilding the rollups from the ledger, as
    the migration does for existing rows, gives the same rows (Oslo days, stores, kinds, visit gaps)."""
    from backend.dashboard.piccolo_migrations import dashboard_2026_12_07t03_31_48_000000 as rollups
    from backend.db import is_postgres

    engine = LedgerEntry._meta.db
    # The rollups are append-only (a row per change until the worker folds them): compare the sums per key.
    day_sql = (
        "SELECT day, store_key, kind, SUM(entries) AS entries, SUM(stamps) AS stamps FROM ledger_day "
        "GROUP BY day, store_key, kind ORDER BY day, store_key, kind"
    )
    gap_sql = (
        "SELECT day, lag, since, SUM(visits) AS visits FROM visit_gap GROUP BY day, lag, since ORDER BY day, lag, since"
    )
    reward_sql = (
        "SELECT measure, day, SUM(n) AS n FROM reward_day GROUP BY measure, day HAVING SUM(n) <> 0 "
        "ORDER BY measure, day"
    )

    async def snapshot() -> list[list[tuple[str, ...]]]:
        return [
            [tuple(str(v) for v in r.values()) for r in await LedgerEntry.raw(sql)]
            for sql in (day_sql, gap_sql, reward_sql)
        ]

    # Rewards change after they are written: one is redeemed, the sweep marks one expired (no count
    # moves), one is revoked, one deleted.
    await Reward.update({Reward.status: "redeemed", Reward.redeemed_at: utc(11, 23)}).where(
        Reward.issued_at == utc(11, 22)
    )
    await Reward.update({Reward.status: "expired"}).where(Reward.issued_at == utc(10, 21))
    await Reward.update({Reward.status: "revoked"}).where(Reward.issued_at == utc(11, 20))
    await Reward.delete().where(Reward.issued_at == utc(10, 1))

    kept = await snapshot()
    raw_rows = [(await LedgerEntry.raw(f"SELECT COUNT(*) AS n FROM {t}"))[0]["n"] for t in ROLLUP_TABLES]
    assert (await fold_all()) > 0
    # Folded: one row per key, the same sums.
    folded_rows = [(await LedgerEntry.raw(f"SELECT COUNT(*) AS n FROM {t}"))[0]["n"] for t in ROLLUP_TABLES]
    assert sum(folded_rows) < sum(raw_rows)
    assert await snapshot() == kept
    assert await fold_all() == 0  # nothing left to fold
    assert ("redeemed", "2026-11-23", "1") in kept[2] and ("ends", "2026-11-20", "1") in kept[2]
    assert ("2026-11-24", "0", "stamp", "1", "1") in kept[0]  # 23:30 UTC on the 23rd is the 24th in Oslo
    assert ("2026-11-24", "2", "2026-11-19", "1") in kept[1]  # m1's visit before the one before was the 19th
    await engine.run_ddl("DELETE FROM ledger_day")
    await engine.run_ddl("DELETE FROM visit_gap")
    await engine.run_ddl("DELETE FROM reward_day")
    oslo_day = rollups.oslo_day_postgres if is_postgres(engine) else rollups.oslo_day_sqlite
    for sql in [*rollups.ledger_backfill(oslo_day), *rollups.reward_backfill(oslo_day)]:
        await engine.run_ddl(sql)
    assert await snapshot() == kept
