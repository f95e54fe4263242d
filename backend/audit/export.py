"""The audit trail as CSV (";"-separated, UTF-8 with BOM, Oslo local times), for the owner's
accountant or a dispute: the same filters as the screen, every page of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from backend.audit import trail
from backend.audit.schemas import AuditEntry
from digital_stampcard.clock import OSLO
from digital_stampcard.dashboard import Cell, to_csv

Lang = Literal["nb", "en"]
MAX_ROWS = 100_000  # a year of a busy café; narrow the filters for more
PAGE = 1000

HEADERS: dict[Lang, list[str]] = {
    "nb": [
        "Nr.",
        "Tid (Oslo)",
        "Handling",
        "Stempler",
        "Medlemsnummer",
        "Butikk",
        "Ansatt",
        "Rolle",
        "Enhet",
        "Belønning",
        "Årsak",
        "Opphever nr.",
        "Opphevet av nr.",
    ],
    "en": [
        "No.",
        "Time (Oslo)",
        "Action",
        "Stamps",
        "Member number",
        "Store",
        "Staff",
        "Role",
        "Device",
        "Reward",
        "Reason",
        "Reverses no.",
        "Reversed by no.",
    ],
}


def _row(e: AuditEntry) -> Sequence[Cell]:
    return [
        e.id,
        e.at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S"),
        e.action,
        e.stamps,
        e.member.member_number,
        e.store.name if e.store else None,
        e.staff.name if e.staff else None,
        e.actor_role,
        e.device,
        e.reward.name if e.reward else None,
        e.reason,
        e.reverses,
        e.voided_by,
    ]


async def audit_csv(query: trail.AuditQuery, lang: Lang) -> str:
    """Walks the pages newest first with the screen's own cursor, so both show the same rows."""
    rows: list[Sequence[Cell]] = []
    query.limit = PAGE  # bigger pages than the screen's: fewer round trips
    while len(rows) < MAX_ROWS:
        page = await trail.audit_page(query)
        rows += [_row(e) for e in page.entries]
        if page.next_cursor is None:
            break
        query.before = page.next_cursor
    return to_csv(HEADERS[lang], rows[:MAX_ROWS])
