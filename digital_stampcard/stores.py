"""Stores as the owner sets them up: name, address, time zone, opening hours, and the slug that
join posters carry. Pure: no I/O, the clock is an argument.

Opening hours are a week of lists: `{"mon": [{"opens": "07:00", "closes": "18:00"}], "sun": []}`.
An empty list is a closed day; a day may be split (lunch break) into at most three intervals;
"24:00" closes at midnight.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from digital_stampcard.errors import DomainError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 3
NAME_MAX, ADDRESS_MAX, SLUG_MAX = 120, 300, 60
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss"})


class Interval(msgspec.Struct, frozen=True):
    opens: str  # "HH:MM"
    closes: str  # "HH:MM", or "24:00" for midnight


OpeningHours = dict[str, list[Interval]]


class StoreDraft(msgspec.Struct, frozen=True):
    name: str
    address: str
    timezone: str
    opening_hours: OpeningHours


def _minutes(value: str, field: str, *, closing: bool) -> int:
    if closing and value == "24:00":
        return 24 * 60
    found = _TIME.match(value)
    if found is None:
        raise DomainError("store_hours_invalid", "Write times as HH:MM, e.g. 07:30.", field=field)
    return int(found.group(1)) * 60 + int(found.group(2))


def clean_opening_hours(raw: dict[str, list[Interval]]) -> OpeningHours:
    """Every weekday present, intervals sorted, each opening before it closes and none overlapping.

    A missing weekday is a closed day. Unknown day names are refused."""
    unknown = sorted(set(raw) - set(WEEKDAYS))
    if unknown:
        raise DomainError("store_hours_invalid", f"Unknown day {unknown[0]!r}.", field="opening_hours")
    week: OpeningHours = {}
    for day in WEEKDAYS:
        intervals = raw.get(day, [])
        field = f"opening_hours.{day}"
        if len(intervals) > MAX_INTERVALS_PER_DAY:
            raise DomainError("store_hours_too_many", "At most three opening times a day.", field=field, day=day)
        spans = sorted(
            ((_minutes(i.opens, field, closing=False), _minutes(i.closes, field, closing=True), i) for i in intervals),
            key=lambda s: s[0],
        )
        previous_close = -1
        for opens, closes, _ in spans:
            if closes <= opens:
                raise DomainError("store_hours_order", "The store must open before it closes.", field=field, day=day)
            if opens < previous_close:
                raise DomainError("store_hours_overlap", "Two opening times overlap.", field=field, day=day)
            previous_close = closes
        week[day] = [Interval(i.opens, i.closes) for _, _, i in spans]
    return week


def clean_timezone(value: str) -> str:
    key = value.strip()
    try:
        if not key or key.startswith(("/", ".")) or ".." in key:
            raise ValueError(key)
        ZoneInfo(key)
    except (ValueError, ZoneInfoNotFoundError):
        raise DomainError("store_timezone_unknown", "Pick a time zone from the list.", field="timezone") from None
    return key


def clean_store(name: str, address: str, timezone: str, opening_hours: dict[str, list[Interval]]) -> StoreDraft:
    clean_name = " ".join(name.split())
    if not clean_name:
        raise DomainError("store_name_missing", "Give the store a name.", field="name")
    if len(clean_name) > NAME_MAX:
        raise DomainError("store_name_too_long", f"At most {NAME_MAX} characters.", field="name", limit=NAME_MAX)
    clean_address = " ".join(address.split())
    if len(clean_address) > ADDRESS_MAX:
        raise DomainError(
            "store_address_too_long", f"At most {ADDRESS_MAX} characters.", field="address", limit=ADDRESS_MAX
        )
    return StoreDraft(clean_name, clean_address, clean_timezone(timezone), clean_opening_hours(opening_hours))


def slugify(name: str) -> str:
    """ "Grünerløkka" → "grunerlokka": what a join poster's address carries. Never empty."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[: SLUG_MAX - 4].strip("-")
    return slug or "butikk"


def unique_slug(name: str, taken: set[str]) -> str:
    """The store's slug, with -2, -3 … when another store already has it."""
    base = slugify(name)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def is_open(hours: OpeningHours, timezone: str, now: datetime) -> bool:
    """Whether the store is open at `now` (an aware instant) on its own wall clock."""
    local = now.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    for interval in hours.get(WEEKDAYS[local.weekday()], []):
        opens = _minutes(interval.opens, "opening_hours", closing=False)
        closes = _minutes(interval.closes, "opening_hours", closing=True)
        if opens <= minute < closes:
            return True
    return False
