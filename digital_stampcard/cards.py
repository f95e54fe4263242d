"""Stamp card progression: cards of N stamps, overflow into the next card, caps and the duplicate window.

Each card carries a snapshot of the policy it was opened under, so a program change never
alters a card already issued: the next card simply opens with the program's current policy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from digital_stampcard.errors import DomainError


class CardPolicy(msgspec.Struct, frozen=True):
    capacity: int = 10
    reward_text: str = "Gratis kaffe"
    reward_valid_days: int = 30


class StampRules(msgspec.Struct, frozen=True):
    """Program-wide rules that guard the till, not snapshotted per card."""

    daily_cap: int = 3
    duplicate_window_seconds: int = 60
    max_stamps_per_action: int = 5


class OpenCard(msgspec.Struct, frozen=True):
    seq: int
    stamps: int
    policy: CardPolicy


class CardFill(msgspec.Struct, frozen=True):
    """How many stamps one action put on one card."""

    seq: int
    stamps_before: int
    stamps_added: int
    policy: CardPolicy
    opened: bool  # the action opened this card (it did not exist before)

    @property
    def completed(self) -> bool:
        return self.stamps_before + self.stamps_added >= self.policy.capacity


class RewardGrant(msgspec.Struct, frozen=True):
    card_seq: int
    title: str
    expires_at: datetime


class StampPlan(msgspec.Struct, frozen=True):
    requested: int
    added: int
    capped: bool
    fills: list[CardFill]
    rewards: list[RewardGrant]
    open_card: OpenCard  # the card that is open after the action


def remaining_today(stamped_today: int, rules: StampRules) -> int:
    return max(0, rules.daily_cap - stamped_today)


def is_duplicate_scan(last_stamp_at: datetime | None, now: datetime, rules: StampRules) -> bool:
    """A second scan of the same member inside the window returns the first result."""
    if last_stamp_at is None:
        return False
    return timedelta(0) <= now - last_stamp_at < timedelta(seconds=rules.duplicate_window_seconds)


def plan_stamps(
    card: OpenCard,
    program_policy: CardPolicy,
    requested: int,
    now: datetime,
    *,
    allowance: int | None = None,
    multiplier: int = 1,
) -> StampPlan:
    """Put `requested` × `multiplier` stamps on `card`, limited to `allowance` (None: no cap).

    Full cards issue their reward and the remainder overflows into a new card that
    snapshots `program_policy`. Raises `daily_cap_reached` when nothing may be added.
    """
    if requested < 1:
        raise DomainError("validation_error", "At least one stamp must be added.")
    if card.policy.capacity < 1 or program_policy.capacity < 1:  # would never fill: the loop below would not end
        raise DomainError("validation_error", "A stamp card must hold at least one stamp.")
    wanted = requested * max(1, multiplier)
    to_add = wanted if allowance is None else min(wanted, allowance)
    if to_add <= 0:
        raise DomainError(
            "daily_cap_reached",
            "This member has already received today's maximum number of stamps.",
            kind="conflict",
        )
    fills: list[CardFill] = []
    rewards: list[RewardGrant] = []
    current, opened, left = card, False, to_add
    while left > 0:
        room = current.policy.capacity - current.stamps
        put = min(room, left)
        fill = CardFill(current.seq, current.stamps, put, current.policy, opened)
        fills.append(fill)
        left -= put
        if fill.completed:
            rewards.append(
                RewardGrant(
                    current.seq,
                    current.policy.reward_text,
                    now + timedelta(days=current.policy.reward_valid_days),
                )
            )
            current, opened = OpenCard(current.seq + 1, 0, program_policy), True
        else:
            current = OpenCard(current.seq, current.stamps + put, current.policy)
    if opened and not any(f.seq == current.seq for f in fills):
        fills.append(CardFill(current.seq, 0, 0, current.policy, True))
    return StampPlan(requested, to_add, to_add < wanted, fills, rewards, current)
