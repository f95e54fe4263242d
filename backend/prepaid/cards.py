"""Changing a klippekort, in the caller's write transaction with the member locked. Each change is a
conditional update (the last defence: `used` never passes `units` nor goes below zero, a closed card
never changes) followed by its entry."""

from __future__ import annotations

from datetime import datetime

from backend.context import Actor
from backend.prepaid.entries import write_entry
from backend.prepaid.tables import PrepaidCard, PrepaidEntry, PrepaidProduct
from backend.prepaid.views import status_of
from digital_stampcard import prepaid as rules
from digital_stampcard.errors import DomainError


async def card_of(member_id: int, card_id: int) -> PrepaidCard:
    """The member's own card: another member's id is "not found"."""
    card = (
        await PrepaidCard.objects()
        .output(load_json=True)
        .where((PrepaidCard.id == card_id) & (PrepaidCard.member == member_id))
        .first()
    )
    if card is None:
        raise DomainError("not_found", "There is no such klippekort.", kind="not_found")
    return card


async def sell(
    member_id: int, product: PrepaidProduct, now: datetime, actor: Actor, *, scan_pk: int | None, key: str | None
) -> int:
    rules.check_sale(product.active, product.ended_at, product.store_ids or [], actor.store_id, now)
    [row] = await PrepaidCard.insert(
        PrepaidCard(
            member=member_id,
            product=product.id,
            name=product.name,
            units=product.units,
            price_ore=product.price_ore,
            store_ids=list(product.store_ids or []),
            used=0,
            status="active",
            sold_store=actor.store_id,
            sold_at=now,
            expires_at=rules.expires_at(now, product.valid_days),
        )
    ).returning(PrepaidCard.id)
    card = await card_of(member_id, row["id"])
    await write_entry(card, "sale", card.units, card.price_ore, now, actor, scan_pk=scan_pk, key=key)
    return card.id


async def use_one(card: PrepaidCard, now: datetime, actor: Actor, *, scan_pk: int | None, key: str | None) -> None:
    rules.check_use(status_of(card, now), card.store_ids or [], actor.store_id)
    updated = (
        await PrepaidCard.update({PrepaidCard.used: PrepaidCard.used + 1})
        .where(
            (PrepaidCard.id == card.id)
            & (PrepaidCard.status == "active")
            & (PrepaidCard.used < PrepaidCard.units)
            & (PrepaidCard.expires_at > now)
        )
        .returning(PrepaidCard.used)
    )
    if not updated:  # a twin got there first (only possible without the member lock)
        raise DomainError("prepaid_used_up", "This klippekort has no units left.", kind="conflict")
    nth = int(updated[0]["used"])
    await write_entry(
        card, "use", 1, rules.unit_value(card.price_ore, card.units, nth), now, actor, scan_pk=scan_pk, key=key
    )


async def reverse(
    card: PrepaidCard,
    entry: PrepaidEntry,
    kind: rules.EntryKind,
    reason: str,
    now: datetime,
    actor: Actor,
    *,
    scan_pk: int | None,
    key: str | None,
) -> int:
    """Undoes (till) or voids (owner) a sale or a use: a sale closes the card, a use gives its unit back."""
    if entry.kind == "sale":
        changed = (
            await PrepaidCard.update({PrepaidCard.status: "voided", PrepaidCard.closed_at: now})
            .where((PrepaidCard.id == card.id) & (PrepaidCard.status == "active") & (PrepaidCard.used == 0))
            .returning(PrepaidCard.id)
        )
    else:
        changed = (
            await PrepaidCard.update({PrepaidCard.used: PrepaidCard.used - 1})
            .where((PrepaidCard.id == card.id) & (PrepaidCard.status == "active") & (PrepaidCard.used > 0))
            .returning(PrepaidCard.id)
        )
    if not changed:
        raise DomainError("prepaid_closed", "This klippekort was refunded or voided.", kind="conflict")
    return await write_entry(
        card, kind, entry.units, entry.value_ore, now, actor, reason=reason, scan_pk=scan_pk, key=key, reverses=entry
    )


async def refund(
    card: PrepaidCard, reason: str, now: datetime, actor: Actor, *, scan_pk: int | None, key: str | None
) -> int:
    """Refunds the units left (the money goes back through the shop's own till) and closes the card."""
    plan = rules.plan_refund(status_of(card, now), card.price_ore, card.units, card.used)
    closed = (
        await PrepaidCard.update({PrepaidCard.status: "refunded", PrepaidCard.closed_at: now})
        .where((PrepaidCard.id == card.id) & (PrepaidCard.status == "active") & (PrepaidCard.used == card.used))
        .returning(PrepaidCard.id)
    )
    if not closed:
        raise DomainError("prepaid_closed", "This klippekort was refunded or voided.", kind="conflict")
    return await write_entry(
        card, "refund", plan.units, plan.value_ore, now, actor, reason=reason, scan_pk=scan_pk, key=key
    )
