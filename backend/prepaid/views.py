"""How klippekort are shown: at the till (after a scan) and on the member's screens."""

from __future__ import annotations

from datetime import datetime

from backend.club.tables import Store
from backend.context import Actor
from backend.prepaid.entries import last_undoable
from backend.prepaid.products import on_sale_in
from backend.prepaid.schemas import (
    LastPrepaidActionOut,
    MemberPrepaidCardOut,
    MemberPrepaidEntryOut,
    MemberPrepaidHistory,
    MemberPrepaidOut,
    TillCardOut,
    TillPrepaidOut,
)
from backend.prepaid.tables import PrepaidCard, PrepaidEntry
from digital_stampcard import prepaid as rules
from digital_stampcard.rewards import UNDO_WINDOW


def status_of(card: PrepaidCard, now: datetime) -> rules.CardStatus:
    return rules.card_status(card.status, card.units, card.used, card.expires_at, now)


async def member_cards(member_id: int) -> list[PrepaidCard]:
    return list(
        await PrepaidCard.objects()
        .output(load_json=True)
        .where(PrepaidCard.member == member_id)
        .order_by(PrepaidCard.id)
    )


async def till_view(
    scan_id: str, member_id: int, actor: Actor, now: datetime, done: str | None = None, card_id: int | None = None
) -> TillPrepaidOut:
    """The member's usable klippekort (and the one just changed, even when it has nothing left)."""
    cards = []
    for card in await member_cards(member_id):
        status = status_of(card, now)
        if status == "active" or card.id == card_id:
            cards.append(
                TillCardOut(
                    id=card.id,
                    name=card.name,
                    units=card.units,
                    left=rules.remaining(card.units, card.used) if card.status == "active" else 0,
                    status=status,
                    expires_at=card.expires_at,
                    usable_here=status == "active" and rules.works_in(card.store_ids or [], actor.store_id),
                )
            )
    last = await last_undoable(member_id)
    last_out = None
    mine = last is not None and (actor.role == "owner" or last.store == actor.store_id)  # what this till may undo
    if last is not None and mine and now - last.created_at <= UNDO_WINDOW:
        last_out = LastPrepaidActionOut(last.id, last.kind, last.card, last.created_at + UNDO_WINDOW)
    return TillPrepaidOut(scan_id, cards, await on_sale_in(actor.store_id), last_out, done, card_id)


async def _store_names() -> dict[int, str]:
    return {r["id"]: r["name"] for r in await Store.select(Store.id, Store.name)}


def _member_out(card: PrepaidCard, now: datetime, stores: dict[int, str]) -> MemberPrepaidOut:
    return MemberPrepaidOut(
        id=card.id,
        name=card.name,
        units=card.units,
        left=rules.remaining(card.units, card.used) if card.status == "active" else 0,
        status=status_of(card, now),
        expires_at=card.expires_at,
        stores=[stores[s] for s in card.store_ids or [] if s in stores],
    )


async def home_cards(member_id: int, now: datetime) -> list[MemberPrepaidOut]:
    """What the home screen shows: the cards that still work, soonest to run out first."""
    cards = [c for c in await member_cards(member_id) if status_of(c, now) == "active"]
    if not cards:
        return []
    stores = await _store_names()
    return [_member_out(c, now, stores) for c in sorted(cards, key=lambda c: (c.expires_at, c.id))]


async def history(member_id: int, now: datetime) -> MemberPrepaidHistory:
    """Every card the member has held, newest first, each with its entries."""
    cards = await member_cards(member_id)
    if not cards:
        return MemberPrepaidHistory([])
    stores = await _store_names()
    entries: dict[int, list[MemberPrepaidEntryOut]] = {}
    for e in await PrepaidEntry.objects().where(PrepaidEntry.member == member_id).order_by(PrepaidEntry.id):
        entries.setdefault(e.card, []).append(
            MemberPrepaidEntryOut(e.created_at, e.kind, e.units, e.reason, stores.get(e.store) if e.store else None)
        )
    return MemberPrepaidHistory(
        [
            MemberPrepaidCardOut(_member_out(c, now, stores), c.price_ore, c.sold_at, entries.get(c.id, []))
            for c in reversed(cards)
        ]
    )
