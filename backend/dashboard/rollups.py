"""Folding the append-only rollups: the triggers add a row per ledger entry or reward change (so no
stamp waits on a shared counter row), and the worker folds each key's rows into one, so the
dashboard sums a row per day, store and kind, as a unique key would have kept it.

Safe beside writers and beside another worker folding: DELETE ... RETURNING hands back exactly the
rows this fold removed (a row a concurrent fold took is not returned twice), and their sums go back
in the same transaction. New rows are only ever inserted, so a fold never waits on a stamp."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from backend.dashboard.tables import LedgerDay
from backend.db import write_transaction

# table: (its key columns, its summed columns)
ROLLUPS = {
    "ledger_day": (("day", "store_key", "kind"), ("entries", "stamps")),
    "visit_gap": (("day", "lag", "since"), ("visits",)),
    "reward_day": (("measure", "day"), ("n",)),
}
FOLD_AFTER_ROWS = 2  # a key with this many rows is folded
INSERT_BATCH = 200  # rows per INSERT, well inside SQLite's limit on bound values


async def fold_all() -> int:
    """Folds every rollup; returns how many rows were removed."""
    return sum([await fold(table) for table in ROLLUPS])


async def fold(table: str) -> int:
    keys, sums = ROLLUPS[table]
    key_list, sum_list = ", ".join(keys), ", ".join(sums)
    engine = LedgerDay._meta.db
    async with write_transaction(engine):
        gone = await LedgerDay.raw(
            f"DELETE FROM {table} WHERE ({key_list}) IN "
            f"(SELECT {key_list} FROM {table} GROUP BY {key_list} HAVING COUNT(*) >= {FOLD_AFTER_ROWS}) "
            f"RETURNING {key_list}, {sum_list}"
        )
        if not gone:
            return 0
        folded: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(sums))
        for row in gone:
            totals = folded[tuple(row[k] for k in keys)]
            for i, column in enumerate(sums):
                totals[i] += int(row[column])
        columns = [*keys, *sums]
        values = [(*key, *totals) for key, totals in folded.items() if any(totals)]
        # A key whose rows cancel out (a reward issued, then deleted) leaves no row.
        for start in range(0, len(values), INSERT_BATCH):
            batch = values[start : start + INSERT_BATCH]
            placeholders = ", ".join("(" + ", ".join(["{}"] * len(columns)) + ")" for _ in batch)
            await LedgerDay.raw(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders}", *[v for row in batch for v in row]
            )
    return len(gone)
