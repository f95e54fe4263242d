"""Voids: the owner takes back stamps given by mistake or fraud. A void is a new ledger entry with a
reason that points at the entry it reverses; nothing is edited.

Where the stamps come back from: first the member's open card. Stamps earned after the voided ones
then stand in for them, so a card the voided stamps completed stays complete and its reward stays
backed. What the open card cannot cover breaks the newest card the voided stamps completed:
- its reward is still active: the reward is revoked with the reason (the member sees it), the card
  opens again with the stamps that remain and the emptied open card is closed;
- its reward was redeemed (or has expired): the member keeps it, and the void records how many
  stamps could not be taken back.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from digital_stampcard.clock import local_day_bounds
from digital_stampcard.errors import DomainError

VOIDABLE_KINDS = ("stamp", "bonus")
REASON_MIN, REASON_MAX = 3, 200


class VoidCard(msgspec.Struct, frozen=True):
    """A card as the void sees it, with the reward it issued when it was completed."""

    id: int
    stamps: int
    capacity: int
    status: str  # open | completed | voided
    reward_id: int | None = None
    reward_status: str | None = None  # active | redeemed | expired | revoked (expired: effective status)


class CardChange(msgspec.Struct, frozen=True):
    card_id: int
    stamps: int
    status: str  # open | completed | voided


class VoidPlan(msgspec.Struct, frozen=True):
    stamps_voided: int  # the voided entry's stamps: what no longer counts for tiers
    taken_back: int  # stamps actually removed from cards
    not_recovered: int  # stamps already spent on a reward the member keeps
    changes: list[CardChange]
    revoked: list[int]  # reward ids to revoke
    kept: list[int]  # reward ids built on the voided stamps that stay (redeemed or expired)


def clean_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise DomainError(
            "validation_error",
            f"Give a reason of {REASON_MIN} to {REASON_MAX} characters.",
            errors=[{"field": "reason", "message": "length"}],
        )
    return text


def check_voidable(kind: str, stamps: int, reversed_by: int | None) -> None:
    if reversed_by is not None:
        raise DomainError(
            "already_voided", "This entry has already been voided or undone.", kind="conflict", by=reversed_by
        )
    if kind not in VOIDABLE_KINDS or stamps <= 0:
        raise DomainError("not_voidable", "Only stamps can be voided.", kind="conflict")


def counts_for_cap(voided_counted: bool, voided_at: datetime, now: datetime) -> bool:
    """A void gives back today's allowance only for stamps given today (Oslo day)."""
    start, end = local_day_bounds(now)
    return voided_counted and start <= voided_at < end


def plan_void(stamps: int, open_card: VoidCard | None, filled: list[VoidCard]) -> VoidPlan:
    """Take `stamps` back. `filled` are the cards the voided entry put stamps on, oldest first."""
    if stamps < 1:
        raise DomainError("not_voidable", "Only stamps can be voided.", kind="conflict")
    left = stamps
    changes: dict[int, CardChange] = {}
    revoked: list[int] = []
    kept: list[int] = []
    current = open_card
    if current is not None and current.status == "open":
        take = min(left, current.stamps)
        if take:
            changes[current.id] = CardChange(current.id, current.stamps - take, "open")
            current = msgspec.structs.replace(current, stamps=current.stamps - take)
            left -= take
    for card in reversed(filled):
        if left <= 0:
            break
        if card.status != "completed" or (current is not None and card.id == current.id):
            continue
        if card.reward_status != "active":
            if card.reward_id is not None:
                kept.append(card.reward_id)
            break  # the member spent these stamps; the void notes what it could not take back
        if card.reward_id is not None:
            revoked.append(card.reward_id)
        remaining = max(0, card.stamps - left)
        left -= card.stamps - remaining
        if current is not None and current.id != card.id:
            changes[current.id] = CardChange(current.id, 0, "voided")  # it is empty by now
        changes[card.id] = CardChange(card.id, remaining, "open")
        current = msgspec.structs.replace(card, stamps=remaining, status="open")
    return VoidPlan(stamps, stamps - left, left, list(changes.values()), revoked, kept)
