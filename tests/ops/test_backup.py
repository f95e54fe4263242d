"""`stampcard backup` while tills stamp, `stampcard restore` into a new database: every member and
every stamp committed before the backup began is there, and the copy is consistent (each card holds
what its ledger says)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from backend.clock import FrozenClock
from backend.db import bind_engine, make_engine
from backend.settings import Settings
from tests.api.helpers import Browser
from tests.ops.conftest import run_stampcard, stampcard_env
from tests.push.test_delivery import stamp


async def _counts(database_url: str) -> tuple[int, int, list[tuple[int, int]]]:
    engine = make_engine(database_url)
    bind_engine(engine)
    members = await engine._run_in_new_connection("SELECT count(*) AS n FROM member")
    stamps = await engine._run_in_new_connection("SELECT count(*) AS n FROM ledger_entry WHERE kind = 'stamp'")
    torn = await engine._run_in_new_connection(
        "SELECT c.id, c.stamps FROM card c WHERE c.stamps <> "
        "(SELECT COALESCE(SUM(l.stamps), 0) FROM ledger_entry l WHERE l.member = c.member)"
    )
    return int(members[0]["n"]), int(stamps[0]["n"]), [(r["id"], r["stamps"]) for r in torn]


async def test_a_backup_taken_while_tills_stamp_restores_every_committed_stamp_and_member(
    new_browser: Callable[[], Browser],
    clock: FrozenClock,
    settings: Settings,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    phones = []
    for n in range(12):
        phone = new_browser()
        await phone.join(f"920000{n:02d}")
        phones.append(phone)
    till = new_browser()
    await till.staff_login()
    before = [await stamp(new_browser, phone, clock, till=till) for phone in phones[:4]]
    assert all(r["added"] == 1 for r in before)

    async def keep_stamping() -> int:  # the other tills go on while the backup runs
        landed = 0
        for phone in phones[4:]:
            landed += (await stamp(new_browser, phone, clock))["added"]
        return landed

    stamping = asyncio.create_task(keep_stamping())
    file = tmp_path / "stampcard.backup"
    code, output = await run_stampcard(stampcard_env(settings.database_url), "backup", str(file))
    landed_during = await stamping
    assert code == 0, output
    assert landed_during == 8

    code, output = await run_stampcard(stampcard_env(fresh_database_url), "restore", str(file))
    assert code == 0, output
    members, stamps, torn = await _counts(fresh_database_url)
    assert members == 12
    assert 4 <= stamps <= 12  # the 4 committed before it began, and those that landed before its snapshot
    assert torn == []

    code, output = await run_stampcard(stampcard_env(fresh_database_url), "restore", str(file))
    assert code == 1 and "restore into a new" in output  # never over a club
    code, output = await run_stampcard(stampcard_env(settings.database_url), "backup", str(file))
    assert code == 1 and "exists already" in output
