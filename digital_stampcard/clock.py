"""Time helpers: times are stored in UTC; the business day is Europe/Oslo."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def local_day_bounds(now: datetime, tz: ZoneInfo = OSLO) -> tuple[datetime, datetime]:
    """The UTC start and end of the local calendar day containing `now`."""
    local_day = now.astimezone(tz).date()
    start = datetime.combine(local_day, time.min, tzinfo=tz)
    end = datetime.combine(local_day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
