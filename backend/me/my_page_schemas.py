"""What Min side shows: signed-in phones, the history and the rewards."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec


class MemberSession(msgspec.Struct):
    id: int
    device: str  # from the browser, e.g. "Safari · iPhone"; "" when unknown
    signed_in_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    this_device: bool


class MemberSessions(msgspec.Struct):
    sessions: list[MemberSession]


class SignedOutSessions(msgspec.Struct):
    signed_out: int


class HistoryEntry(msgspec.Struct):
    id: int
    at: datetime
    kind: str  # stamp | bonus | reward_issued | reward_redeemed | reward_revoked | undo | void
    stamps: int  # signed
    reason: str  # "visit", "profile", "welcome", "birthday", "surprise"... or the owner's words for a void
    store: str | None
    reward: str | None
    reverses: int | None  # the entry an undo or void took back


class HistoryPage(msgspec.Struct):
    entries: list[HistoryEntry]
    next_cursor: int | None  # pass as `before` for older entries


class MyReward(msgspec.Struct):
    id: int
    title: str
    status: str  # active | redeemed | expired | revoked
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    redeemed_store: str | None
    revoked_reason: str | None


class MyRewards(msgspec.Struct):
    active: list[MyReward]  # the one running out first on top
    used: list[MyReward]
    expired: list[MyReward]
    revoked: list[MyReward]


class LeaveIn(msgspec.Struct):
    confirm: Literal[True]  # the member ticked "I understand": leaving cannot be undone
