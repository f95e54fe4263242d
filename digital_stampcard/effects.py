"""What an action causes outside itself, as values: a push to a member, a webhook event. The domain
decides them; one backend module (`backend/outbox.py`) writes them in the action's own transaction,
so an effect is kept exactly when the action is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from digital_stampcard.notifications import Kind
from digital_stampcard.webhooks import Event


class Push(msgspec.Struct, frozen=True):
    """A notification for the push outbox; `ref` names the event, so it is written once (dedupe key)."""

    member_id: int
    kind: Kind
    ref: str | int
    data: dict[str, Any]
    due_at: datetime | None = None  # None: now


class Webhook(msgspec.Struct, frozen=True):
    """A webhook event for every endpoint that wants it; the member is named by their member number."""

    event: Event
    member_id: int | None
    data: dict[str, Any]


Effect = Push | Webhook


class Granted(msgspec.Struct, frozen=True):
    """A reward that was written: the card's own or a gift."""

    reward_id: int
    title: str
    expires_at: datetime


def reward_issued(member_id: int, reward: Granted) -> Webhook:
    return Webhook(
        "reward.issued",
        member_id,
        {"reward_id": reward.reward_id, "title": reward.title, "expires_at": reward.expires_at.isoformat()},
    )


def reward_ready(member_id: int, reward: Granted) -> Push:
    return Push(member_id, "reward_ready", reward.reward_id, {"reward": reward.title, "reward_id": reward.reward_id})
