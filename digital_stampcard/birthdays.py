"""The birthday reward: once a year, and not for a birthday that was just set or changed."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

NEW_BIRTHDAY_WAIT = timedelta(days=30)


def reward_allowed(birthday_set_at: datetime | None, now: datetime) -> bool:
    """A birthday set or changed within the last 30 days gets the greeting without the gift: otherwise
    moving one's birthday to next week would be a reward any month. A birthday from before the time
    was recorded (`None`) has been there long enough."""
    return birthday_set_at is None or now - birthday_set_at >= NEW_BIRTHDAY_WAIT


def is_birthday(birthday: date, today: date) -> bool:
    """Born on 29 February: greeted on 28 February in the years without one, so every member has a
    birthday every year."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(today.year):
        return (today.month, today.day) == (2, 28)
    return (birthday.month, birthday.day) == (today.month, today.day)
