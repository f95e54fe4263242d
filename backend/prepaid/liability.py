"""The klippekort liability for accounting: per month (Oslo) and store, units and NOK sold, used,
refunded and expired, and what is still owed at each month's end. Every movement is counted at the
store that sold the card (the liability is the seller's), whichever store a unit was used in. The
arithmetic is the domain's (`digital_stampcard.prepaid.liability`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from backend.prepaid.tables import PrepaidCard, PrepaidEntry
from digital_stampcard import prepaid as rules
from digital_stampcard.dashboard import Cell, to_csv

Lang = Literal["nb", "en"]
NO_STORE = {"nb": "Uten butikk", "en": "No store"}
HEADER = {
    "nb": [
        "Måned",
        "Butikk",
        "Solgt (klipp)",
        "Solgt (kr)",
        "Brukt (klipp)",
        "Brukt (kr)",
        "Refundert (klipp)",
        "Refundert (kr)",
        "Utløpt (klipp)",
        "Utløpt (kr)",
        "Utestående (klipp)",
        "Utestående (kr)",
    ],
    "en": [
        "Month",
        "Store",
        "Sold (units)",
        "Sold (NOK)",
        "Used (units)",
        "Used (NOK)",
        "Refunded (units)",
        "Refunded (NOK)",
        "Expired (units)",
        "Expired (NOK)",
        "Outstanding (units)",
        "Outstanding (NOK)",
    ],
}


def _signed(entry_kind: str, reversed_kind: str | None) -> tuple[rules.Movement, int] | None:
    """Which movement an entry is, and its sign: an undo or void takes back the sale or the use."""
    if entry_kind in ("undo", "void"):
        return ("sold", -1) if reversed_kind == "sale" else ("used", -1)
    return {"sale": ("sold", 1), "use": ("used", 1), "refund": ("refunded", 1)}.get(entry_kind)  # type: ignore[return-value]


async def flows(lang: Lang, now: datetime) -> list[rules.Flow]:
    cards = {
        c["id"]: c
        for c in await PrepaidCard.select(
            PrepaidCard.id,
            PrepaidCard.units,
            PrepaidCard.price_ore,
            PrepaidCard.used,
            PrepaidCard.status,
            PrepaidCard.expires_at,
            PrepaidCard.sold_store.name,
        )
    }
    entries = await PrepaidEntry.select(
        PrepaidEntry.id,
        PrepaidEntry.card,
        PrepaidEntry.kind,
        PrepaidEntry.units,
        PrepaidEntry.value_ore,
        PrepaidEntry.reverses,
        PrepaidEntry.created_at,
    )
    kinds = {e["id"]: e["kind"] for e in entries}
    out = []

    def store_of(card_id: int) -> str:
        return str(cards[card_id]["sold_store.name"] or NO_STORE[lang])

    for e in entries:
        signed = _signed(e["kind"], kinds.get(e["reverses"]) if e["reverses"] else None)
        if signed is None:
            continue
        movement, sign = signed
        out.append(rules.Flow(e["created_at"], store_of(e["card"]), movement, sign * e["units"], sign * e["value_ore"]))
    for c in cards.values():
        if c["status"] == "active":
            expired = rules.expiry_flow(store_of(c["id"]), c["expires_at"], c["price_ore"], c["units"], c["used"], now)
            if expired is not None:
                out.append(expired)
    return out


async def report(first: str, last: str, lang: Lang, now: datetime) -> list[rules.LiabilityRow]:
    return rules.liability(await flows(lang, now), first, last)


def csv(rows: list[rules.LiabilityRow], lang: Lang) -> str:
    kr = rules.kroner
    body: list[list[Cell]] = [
        [
            r.month,
            r.store,
            r.sold_units,
            kr(r.sold_ore),
            r.used_units,
            kr(r.used_ore),
            r.refunded_units,
            kr(r.refunded_ore),
            r.expired_units,
            kr(r.expired_ore),
            r.outstanding_units,
            kr(r.outstanding_ore),
        ]
        for r in rows
    ]
    return to_csv(HEADER[lang], body)
