"""Points for what a member does besides buying (`digital_stampcard.points.ACTIONS`): confirmed at
once, the tier's multiplier applied. The caller writes the action's own once-only marker in the same
transaction (a profile completed once, a birthday once a year), so the points are given once too."""

from __future__ import annotations

from datetime import datetime

from backend import outbox
from backend.members.tables import Member
from backend.points import ledger
from backend.points.program import earning_rules
from digital_stampcard import points as rules
from digital_stampcard.effects import Webhook


async def earn_for_action(member: Member, action: str, now: datetime) -> int:
    """Returns the points given: 0 without a points program, or when the owner gives none for it."""
    earning = await earning_rules(member)
    if earning is None:
        return 0
    program_rules, multiplier = earning
    points = rules.action_points(action, program_rules, multiplier)
    if points < 1:
        return 0
    await ledger.earn(member.id, points, action, now, program_rules, purchase=False, actor=None)
    await outbox.write([Webhook("points.earned", member.id, {"points": points, "action": action})], now)
    return points
