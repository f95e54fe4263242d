"""Stamp card programs as the owner sets them up, and which one applies at a store at a moment.

Pure: no I/O, the clock is an argument. A program applies in its stores (no stores listed means
every store) from `starts_at` (inclusive) until `ends_at` (exclusive); a missing end is open.
At most one active program may apply to the same store at the same time, so the choice is clear.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from digital_stampcard.errors import DomainError
from digital_stampcard.purchases import BASES

CAPACITY_MIN, CAPACITY_MAX = 1, 50
NAME_MAX, REWARD_TEXT_MAX = 120, 120
VALID_DAYS_MAX = 3650
ORE_PER_STAMP_MAX = 100_000_00  # 100 000 NOK a stamp is surely a typo
REWARD_VALUE_MAX = 100_000_00


class ProgramSpan(msgspec.Struct, frozen=True):
    """Where and when a program applies."""

    store_ids: tuple[int, ...]  # () is every store
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class ProgramDraft(msgspec.Struct, frozen=True):
    name: str
    capacity: int
    reward_text: str
    reward_value_ore: int
    reward_valid_days: int
    stamp_basis: str
    ore_per_stamp: int
    daily_cap: int
    store_ids: tuple[int, ...]
    starts_at: datetime | None
    ends_at: datetime | None

    @property
    def span(self) -> ProgramSpan:
        return ProgramSpan(self.store_ids, self.starts_at, self.ends_at)


def in_dates(span: ProgramSpan, now: datetime) -> bool:
    return (span.starts_at is None or span.starts_at <= now) and (span.ends_at is None or now < span.ends_at)


def applies(span: ProgramSpan, store_id: int | None, now: datetime) -> bool:
    """Whether a program applies at `store_id` now. Without a store (the member's own screens)
    only a program for every store applies."""
    if not in_dates(span, now):
        return False
    if not span.store_ids:
        return True
    return store_id is not None and store_id in span.store_ids


def overlaps(a: ProgramSpan, b: ProgramSpan) -> bool:
    """Both could apply to the same store at the same moment."""
    shared_store = not a.store_ids or not b.store_ids or bool(set(a.store_ids) & set(b.store_ids))
    if not shared_store:
        return False
    a_before_b = a.ends_at is not None and b.starts_at is not None and a.ends_at <= b.starts_at
    b_before_a = b.ends_at is not None and a.starts_at is not None and b.ends_at <= a.starts_at
    return not (a_before_b or b_before_a)


def _check_range(value: int, low: int, high: int, code: str, field: str, detail: str) -> None:
    if not low <= value <= high:
        raise DomainError(code, detail, field=field, min=low, max=high)


def clean_program(draft: ProgramDraft, known_store_ids: Sequence[int]) -> ProgramDraft:
    """The draft with text trimmed and store ids sorted, or a DomainError naming the field."""
    name, reward_text = draft.name.strip(), draft.reward_text.strip()
    if not name or len(name) > NAME_MAX:
        raise DomainError("program_name_invalid", "Give the program a name (at most 120 characters).", field="name")
    _check_range(
        draft.capacity,
        CAPACITY_MIN,
        CAPACITY_MAX,
        "program_capacity_invalid",
        "capacity",
        "A card holds between 1 and 50 stamps.",
    )
    if not reward_text or len(reward_text) > REWARD_TEXT_MAX:
        raise DomainError(
            "program_reward_invalid", "Describe the reward (at most 120 characters).", field="reward_text"
        )
    _check_range(
        draft.reward_value_ore,
        0,
        REWARD_VALUE_MAX,
        "program_value_invalid",
        "reward_value_ore",
        "The reward's value is between 0 and 100 000 NOK.",
    )
    _check_range(
        draft.reward_valid_days,
        1,
        VALID_DAYS_MAX,
        "program_validity_invalid",
        "reward_valid_days",
        "A reward is valid between 1 and 3650 days.",
    )
    if draft.stamp_basis not in BASES:
        raise DomainError("program_basis_invalid", "Stamp by visit or by amount.", field="stamp_basis")
    if draft.stamp_basis == "amount":
        _check_range(
            draft.ore_per_stamp,
            100,
            ORE_PER_STAMP_MAX,
            "program_amount_invalid",
            "ore_per_stamp",
            "One stamp per at least 1 NOK.",
        )
    if draft.daily_cap < 1 or draft.daily_cap > 100:
        raise DomainError(
            "program_cap_invalid", "The daily cap is at least 1 stamp.", field="daily_cap", min=1, max=100
        )
    unknown = sorted(set(draft.store_ids) - set(known_store_ids))
    if unknown:
        raise DomainError("program_store_unknown", "That store does not exist.", field="store_ids", store_ids=unknown)
    if draft.starts_at is not None and draft.ends_at is not None and draft.ends_at <= draft.starts_at:
        raise DomainError("program_dates_invalid", "The end must come after the start.", field="ends_at")
    return msgspec.structs.replace(
        draft, name=name, reward_text=reward_text, store_ids=tuple(sorted(set(draft.store_ids)))
    )


def check_no_overlap(span: ProgramSpan, others: Sequence[tuple[str, ProgramSpan]]) -> None:
    """Refuse a program that could apply in the same store at the same time as another active one."""
    for name, other in others:
        if overlaps(span, other):
            raise DomainError(
                "program_overlap",
                f"“{name}” already applies in the same store at the same time. "
                "Change the stores or the dates, or deactivate it first.",
                kind="conflict",
                field="store_ids",
                other=name,
            )
