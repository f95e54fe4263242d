"""Undo at the till: which action can be undone, by whom, and what undoing a stamp changes on the
cards. Pure: the ledger facts and the moment are arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from digital_stampcard.errors import DomainError
from digital_stampcard.rewards import check_undo_window

CARD_KINDS = ("stamp", "bonus", "reward_redeemed", "void")  # every ledger kind that changes cards or rewards


def can_be_undone(kind: str, reversed_already: bool) -> bool:
    """Of the member's latest card change: a staff action not already undone. A later bonus stamp may
    sit on the cards it opened, and after an owner's void (which may reopen an earlier card) nothing
    before it can be undone at the till."""
    return kind not in ("bonus", "void") and not reversed_already


def check_undo(
    *,
    undoable_id: int | None,
    asked_id: int,
    by_owner: bool,
    same_store: bool,
    action_at: datetime | None,
    now: datetime,
) -> None:
    """Only the member's last action, by the store that did it (or the owner), within 5 minutes."""
    if undoable_id is None or undoable_id != asked_id or action_at is None:
        raise DomainError("nothing_to_undo", "Only the member's last action can be undone.", kind="conflict")
    if not by_owner and not same_store:
        raise DomainError("forbidden", "Only the store that did it can undo this.", kind="forbidden")
    check_undo_window(action_at, now)


class CardReopen(msgspec.Struct, frozen=True):
    card_id: int
    stamps_back: int  # taken off again


class UndoPlan(msgspec.Struct, frozen=True):
    void_cards: list[int]  # cards the action opened
    reopen_cards: list[CardReopen]  # cards it added to (and may have completed): open again
    revoke_rewards: list[int]  # the rewards its full cards gave, if still unused


def plan_undo_stamps(details: dict[str, Any]) -> UndoPlan:
    """From the stamp row's `details` (the cards it filled, the rewards it issued). The cards it
    opened go first, which frees the "one open card" slot for the reopened one."""
    fills = details.get("fills", [])
    return UndoPlan(
        void_cards=[int(f["card_id"]) for f in fills if f["opened"]],
        reopen_cards=[CardReopen(int(f["card_id"]), int(f["added"])) for f in fills if not f["opened"]],
        revoke_rewards=[int(r) for r in details.get("rewards", [])],
    )
