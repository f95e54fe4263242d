"""What the services share for one running app: settings, database, clock, limits and senders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from backend.clock import Clock
from backend.messaging.senders import MessageSender
from backend.push.vapid import VapidIdentity
from backend.ratelimit import RateLimiter
from backend.settings import Settings
from digital_stampcard.notifications import PushPolicy


@dataclass
class AppContext:
    settings: Settings
    engine: Engine[Any]
    clock: Clock
    limiter: RateLimiter
    sender: MessageSender
    vapid: VapidIdentity | None = None  # None: push is not set up (production without a key)

    @property
    def push_policy(self) -> PushPolicy:
        return PushPolicy(marketing_per_week=self.settings.marketing_pushes_per_week)


class Actor:
    """Who does a staff action, for the ledger."""

    def __init__(self, staff_id: int, role: str, store_id: int | None, session_id: int, device: str, ip: str) -> None:
        self.staff_id, self.role, self.store_id = staff_id, role, store_id
        self.session_id, self.device, self.ip = session_id, device, ip
