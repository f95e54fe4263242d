"""What the owner's audit, void and alert endpoints take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

import msgspec

Action = Literal["stamp", "bonus", "reward_issued", "reward_redeemed", "undo", "void", "reward_revoked"]
ACTIONS: tuple[str, ...] = get_args(Action)


class Named(msgspec.Struct):
    id: int
    name: str


class AuditMember(msgspec.Struct):
    id: int
    member_number: str
    first_name: str | None


class AuditEntry(msgspec.Struct):
    """One ledger row. `voided_by` is the entry that reversed it (a void or a till undo);
    `voidable` says whether the owner can void it now."""

    id: int
    at: datetime
    action: str
    stamps: int
    reason: str
    member: AuditMember
    store: Named | None
    staff: Named | None
    actor_role: str
    device: str
    ip: str
    reward: Named | None
    reverses: int | None
    voided_by: int | None
    voidable: bool
    details: dict[str, object]


class AuditPage(msgspec.Struct):
    entries: list[AuditEntry]
    next_cursor: int | None  # pass as `before` for the next (older) page


class AuditFilters(msgspec.Struct):
    """What the filter form offers."""

    stores: list[Named]
    staff: list[Named]
    actions: list[str]


class AlertOut(msgspec.Struct):
    """One thing that stands out. `kind`: staff_rate | daily_cap | manual_entries | sms_budget.
    `audit` holds the audit filters that show the rows behind it."""

    kind: str
    count: int
    usual: float | None
    days: int | None
    last_day: str | None
    staff: Named | None
    store: Named | None
    member: AuditMember | None
    session_id: int | None
    audit: dict[str, str]


class AlertsOut(msgspec.Struct):
    alerts: list[AlertOut]
    since: datetime  # start of the recent window
    rules: dict[str, float]
