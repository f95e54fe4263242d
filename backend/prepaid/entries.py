"""The klippekort's append-only entries, each with who did it, where and with which key, and the webhook
event it causes, written by `backend.outbox` in the same transaction (kept exactly when the entry is)."""

from __future__ import annotations

from datetime import datetime

from backend import outbox
from backend.context import Actor
from backend.prepaid.tables import PrepaidCard, PrepaidEntry
from digital_stampcard import prepaid as rules
from digital_stampcard.effects import Webhook
from digital_stampcard.webhooks import Event

EVENTS: dict[str, Event] = {
    "sale": "prepaid.sold",
    "use": "prepaid.used",
    "undo": "prepaid.undone",
    "refund": "prepaid.refunded",
    "void": "prepaid.voided",
}


async def write_entry(
    card: PrepaidCard,
    kind: rules.EntryKind,
    units: int,
    value_ore: int,
    now: datetime,
    actor: Actor,
    *,
    reason: str = "",
    scan_pk: int | None = None,
    key: str | None = None,
    reverses: PrepaidEntry | None = None,
) -> int:
    entry = PrepaidEntry(
        card=card.id,
        member=card.member,
        kind=kind,
        units=units,
        value_ore=value_ore,
        reason=reason,
        store=actor.store_id,
        staff=actor.staff_id,
        actor_role=actor.role,
        device=actor.device[:120],
        ip=actor.ip[:64],
        idempotency_key=key,
        scan=scan_pk,
        reverses=reverses.id if reverses is not None else None,
        created_at=now,
    )
    [row] = await PrepaidEntry.insert(entry).returning(PrepaidEntry.id)
    after = await PrepaidCard.objects().where(PrepaidCard.id == card.id).first()
    data = {
        "entry_id": row["id"],
        "card_id": card.id,
        "product_id": card.product,
        "name": card.name,
        "units": units,
        "value_ore": value_ore,
        "left": rules.remaining(after.units, after.used) if after and after.status == "active" else 0,
        "store_id": actor.store_id,
        **({"reverses": reverses.id, "reversed_kind": reverses.kind} if reverses is not None else {}),
        **({"reason": reason} if reason else {}),
    }
    await outbox.write([Webhook(EVENTS[kind], card.member, data)], now)
    return int(row["id"])


async def reversal_of(entry_id: int) -> int | None:
    row = await PrepaidEntry.select(PrepaidEntry.id).where(PrepaidEntry.reverses == entry_id).first()
    return int(row["id"]) if row else None


async def last_undoable(member_id: int) -> PrepaidEntry | None:
    """The member's latest klippekort entry, when it is a sale or a use not yet undone or voided."""
    last = (
        await PrepaidEntry.objects()
        .where(PrepaidEntry.member == member_id)
        .order_by(PrepaidEntry.id, ascending=False)
        .first()
    )
    if last is None or not rules.can_be_undone(last.kind, await reversal_of(last.id) is not None):
        return None
    return last
