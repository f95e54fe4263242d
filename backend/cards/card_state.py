"""What the till and the member's screens need to know about a member's cards, in one statement:
the stamps earned in the tier window, today's capped stamps, the open card, the latest card
change (can it be undone?), the latest stamp (the duplicate-scan rule), whether a referral waits,
and the rewards ready to redeem. Each was its own round trip before; the stamp path is hot, and
each is an index lookup. The same SQL on SQLite and PostgreSQL but for the JSON aggregate's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from backend.cards.stamping import open_key
from backend.cards.tables import LedgerEntry
from digital_stampcard.cards import StampPlan
from digital_stampcard.clock import local_day_bounds
from digital_stampcard.tiers import EARNING_KINDS
from digital_stampcard.undo import CARD_KINDS


class Entry(msgspec.Struct, frozen=True):
    id: int
    kind: str
    stamps: int
    created_at: datetime
    scan: int | None
    reversed: bool


class OpenCardRow(msgspec.Struct, frozen=True):
    id: int
    seq: int
    stamps: int
    capacity: int
    reward_text: str
    reward_valid_days: int
    reward_value_ore: int


class ReadyReward(msgspec.Struct, frozen=True):
    id: int
    title: str
    expires_at: datetime


class CardState(msgspec.Struct, frozen=True):
    earned: int  # stamps earned in the tier window ending now
    stamped_today: int  # the program's capped stamps on this Oslo day
    staff_stamps: int  # the member's stamp rows (till and POS), bonuses not counted
    card: OpenCardRow | None  # the program's open card; None before the first stamp
    last_action: Entry | None  # the latest card change (CARD_KINDS)
    last_stamp: Entry | None  # the program's latest stamp
    referral_waiting: bool  # a referral of this member waits for a staff stamp (read in full only then)
    rewards: list[ReadyReward]  # active and unexpired, the first to expire first


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(["{}"] * len(values))


_ENTRY = "{p}.id AS {p}_id, {p}.kind AS {p}_kind, {p}.stamps AS {p}_stamps, {p}.created_at AS {p}_created_at, "
_ENTRY += "{p}.scan AS {p}_scan, EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses = {p}.id) AS {p}_reversed"
# The rewards come as one JSON array of [id, title, expires_at], in expiry order.
_REWARDS = {
    "postgres": "(SELECT COALESCE(json_agg(json_build_array(id, title, expires_at) ORDER BY expires_at, id), '[]') "
    "FROM reward WHERE member = {} AND status = 'active' AND expires_at > {}) AS rewards, ",
    "sqlite": "(SELECT json_group_array(json_array(id, title, expires_at)) FROM (SELECT id, title, expires_at "
    "FROM reward WHERE member = {} AND status = 'active' AND expires_at > {} ORDER BY expires_at, id)) AS rewards, ",
}
_SQL = (
    "SELECT {rewards}"
    "(SELECT COALESCE(SUM(stamps), 0) FROM ledger_entry "
    f"WHERE member = {{}} AND kind IN ({_in(EARNING_KINDS)}) AND created_at >= {{}}) AS earned, "
    "(SELECT COALESCE(SUM(stamps), 0) FROM ledger_entry WHERE member = {} AND program = {} "
    "AND counts_for_cap = {} AND created_at >= {} AND created_at < {}) AS stamped_today, "
    "(SELECT COUNT(*) FROM ledger_entry WHERE member = {} AND kind = 'stamp') AS staff_stamps, "
    "EXISTS (SELECT 1 FROM referral WHERE referred = {} AND status = 'pending') AS referral_waiting, "
    "c.id AS card_id, c.seq AS card_seq, c.stamps AS card_stamps, c.capacity AS card_capacity, "
    "c.reward_text AS card_reward_text, c.reward_valid_days AS card_reward_valid_days, "
    "c.reward_value_ore AS card_reward_value_ore, "
    f"{_ENTRY.format(p='a')}, {_ENTRY.format(p='s')} "
    "FROM (SELECT 1 AS one) base "
    "LEFT JOIN card c ON c.open_key = {} "
    "LEFT JOIN ledger_entry a ON a.id = "
    f"(SELECT MAX(id) FROM ledger_entry WHERE member = {{}} AND kind IN ({_in(CARD_KINDS)})) "
    "LEFT JOIN ledger_entry s ON s.id = "
    "(SELECT MAX(id) FROM ledger_entry WHERE member = {} AND kind = 'stamp' AND program = {})"
)


async def read_card_state(member_id: int, program_id: int | None, now: datetime, window_days: int) -> CardState:
    """`program_id` None (no program applies): no card, no stamps today, no latest stamp."""
    start, end = local_day_bounds(now)
    key = open_key(member_id, program_id) if program_id is not None else None
    engine = LedgerEntry._meta.db.engine_type
    [row] = await LedgerEntry.raw(
        _SQL.replace("{rewards}", _REWARDS[engine]),
        *(member_id, now),
        *(member_id, *EARNING_KINDS, now - timedelta(days=window_days)),
        *(member_id, program_id, True, start, end),
        member_id,
        member_id,
        key,
        *(member_id, *CARD_KINDS),
        *(member_id, program_id),
    )
    card = None
    if row["card_id"] is not None:
        card = OpenCardRow(
            row["card_id"],
            row["card_seq"],
            row["card_stamps"],
            row["card_capacity"],
            row["card_reward_text"],
            row["card_reward_valid_days"],
            row["card_reward_value_ore"],
        )
    return CardState(
        earned=max(0, int(row["earned"])),
        stamped_today=max(0, int(row["stamped_today"])),
        staff_stamps=int(row["staff_stamps"]),
        card=card,
        last_action=_entry(row, "a"),
        last_stamp=_entry(row, "s"),
        referral_waiting=bool(row["referral_waiting"]),
        rewards=_rewards(row["rewards"]),
    )


def after_plain_stamp(state: CardState, plan: StampPlan, entry: Entry, *, capped: bool) -> CardState | None:
    """The state after a stamp that only added stamps to the open card, as the read would return it
    (the common visit: one round trip fewer). None when the stamp did more, filled or opened a card or
    gave a reward, and the caller reads it afresh. `capped`: the stamps count for the daily cap."""
    card = state.card
    if card is None or plan.rewards or len(plan.fills) != 1:
        return None
    [fill] = plan.fills
    if fill.opened or fill.completed or fill.seq != card.seq:
        return None
    return msgspec.structs.replace(
        state,
        earned=state.earned + plan.added,
        stamped_today=state.stamped_today + (plan.added if capped else 0),
        staff_stamps=state.staff_stamps + (entry.kind == "stamp"),
        card=msgspec.structs.replace(card, stamps=card.stamps + plan.added),
        last_action=entry,
        last_stamp=entry if entry.kind == "stamp" else state.last_stamp,
    )


def _rewards(value: str | list[Any]) -> list[ReadyReward]:
    """asyncpg hands json as text; SQLite's JSON is text. Times come as ISO text in UTC."""
    rows = msgspec.json.decode(value) if isinstance(value, str | bytes) else value
    return [ReadyReward(i, title, _utc(expires)) for i, title, expires in rows]


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _entry(row: dict[str, Any], prefix: str) -> Entry | None:
    if row[f"{prefix}_id"] is None:
        return None
    return Entry(
        row[f"{prefix}_id"],
        row[f"{prefix}_kind"],
        row[f"{prefix}_stamps"],
        row[f"{prefix}_created_at"],
        row[f"{prefix}_scan"],
        bool(row[f"{prefix}_reversed"]),
    )
