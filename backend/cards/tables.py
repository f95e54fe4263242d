"""Programs, tiers, cards, rewards, the append-only ledger, scans and idempotency records."""

from piccolo.columns import JSON, BigInt, Boolean, Date, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import StaffAccount
from backend.club.tables import Store
from backend.members.tables import Member


class Program(Table):
    name = Varchar(length=120)
    capacity = Integer(default=10)
    reward_text = Varchar(length=120, default="Gratis kaffe")
    reward_valid_days = Integer(default=30)
    daily_cap = Integer(default=3)
    duplicate_window_seconds = Integer(default=60)
    active = Boolean(default=True)
    reward_value_ore = Integer(default=0)  # what the reward is worth, for the owner's numbers
    stamp_basis = Varchar(length=8, default="visit")  # visit: one stamp a visit | amount: per ore_per_stamp spent
    ore_per_stamp = Integer(default=10000)  # 100 NOK a stamp when stamp_basis is "amount"
    store_ids = JSON(default=[])  # the stores it applies in; [] is every store
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(null=True, default=None)


class TierLevel(Table):
    code = Varchar(length=20, unique=True)
    name_nb = Varchar(length=40)
    name_en = Varchar(length=40)
    threshold = Integer()
    stamp_multiplier = Integer(default=1)
    extra_reward_text = Varchar(length=120, default="")  # given once on reaching the tier; "" is none
    early_access_minutes = Integer(default=0)  # campaigns reach this tier this much earlier by default


class Card(Table):
    """A card keeps the policy it was opened under (capacity, reward, validity)."""

    member = ForeignKey(references=Member, index=True)
    program = ForeignKey(references=Program)
    seq = Integer()
    stamps = Integer(default=0)
    capacity = Integer()
    reward_text = Varchar(length=120)
    reward_valid_days = Integer()
    reward_value_ore = Integer(default=0)
    status = Varchar(length=12, default="open")  # open | completed | voided
    # "member:program" while open, NULL otherwise: one open card per member and program.
    open_key = Varchar(length=40, null=True, default=None, unique=True)
    opened_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)


class Reward(Table):
    member = ForeignKey(references=Member, index=True)
    program = ForeignKey(references=Program)
    card = ForeignKey(references=Card, null=True, default=None)
    title = Varchar(length=120)
    value_ore = Integer(default=0)
    status = Varchar(length=12, default="active")  # active | redeemed | expired | revoked
    issued_at = Timestamptz(index=True)  # the dashboard counts rewards per day by each of these three
    expires_at = Timestamptz(index=True)
    redeemed_at = Timestamptz(null=True, default=None, index=True)
    redeemed_store = ForeignKey(references=Store, null=True, default=None)
    revoked_reason = Varchar(length=200, null=True, default=None)


class Scan(Table):
    """A member presented at a till: the proof staff actions refer to for a few minutes."""

    public_id = Varchar(length=32, unique=True)
    member = ForeignKey(references=Member)
    store = ForeignKey(references=Store, null=True, default=None)
    staff = ForeignKey(references=StaffAccount)
    session_id = BigInt()
    method = Varchar(length=10)  # qr | manual
    code_hash = Varchar(length=64, default="")  # lets the same till rescan the same code
    created_at = Timestamptz()
    expires_at = Timestamptz()


class QrUse(Table):
    """Each (device, time step) is used once: the unique key is the last line of defence."""

    use_key = Varchar(length=40, unique=True)
    scan = ForeignKey(references=Scan)
    created_at = Timestamptz()


class LedgerEntry(Table):
    """Append-only. Corrections are new rows that point at what they reverse."""

    member = ForeignKey(references=Member, index=True)
    program = ForeignKey(references=Program, null=True, default=None)
    kind = Varchar(length=20)  # stamp | bonus | reward_issued | reward_redeemed | undo
    stamps = Integer(default=0)  # signed: an undo of a stamp is negative
    counts_for_cap = Boolean(default=False)
    reward = ForeignKey(references=Reward, null=True, default=None)
    reason = Varchar(length=200, default="")
    details = JSON(default={})
    store = ForeignKey(references=Store, null=True, default=None)
    staff = ForeignKey(references=StaffAccount, null=True, default=None)
    actor_role = Varchar(length=10, default="system")
    device = Varchar(length=120, default="")
    ip = Varchar(length=64, default="")
    idempotency_key = Varchar(length=100, null=True, default=None)
    scan = ForeignKey(references=Scan, null=True, default=None)
    reverses = BigInt(null=True, default=None, unique=True)  # one undo per action
    redemption_of = Varchar(length=40, null=True, default=None, unique=True)  # "reward#n": one redemption per issue
    # "store:receipt": a POS receipt stamps once. Unique by an index made in the cards migration
    # 2026-11-24T10:30:47 (SQLite cannot add a UNIQUE column to an existing table).
    receipt_key = Varchar(length=140, null=True, default=None)
    amount_ore = BigInt(null=True, default=None)  # the purchase amount behind a POS stamp
    created_at = Timestamptz(index=True)


class IdempotencyRecord(Table):
    scope_key = Varchar(length=160, unique=True)  # "staff:<id>:<Idempotency-Key>"
    request_hash = Varchar(length=64)
    response_status = Integer()
    response_body = Text()
    created_at = Timestamptz()


class LedgerDay(Table):
    """The ledger summed per Oslo day, store and kind, for the dashboard. Kept by a database trigger
    on every ledger insert, in the writer's transaction (cards migration 2026-11-24T09:02:20), so
    no writer can forget it. Unique on (day, store_key, kind)."""

    day = Date()
    store_key = Integer()  # the store's id; 0 for entries without a store
    kind = Varchar(length=20)
    entries = Integer()
    stamps = Integer()  # signed sum


class VisitGap(Table):
    """Visits (stamp entries) per Oslo day, counted by the day of the same member's visit `lag`
    (1 or 2) visits earlier; `since` is 0001-01-01 when there was none. Members with a visit in
    a period [s, e] are those whose lag-1 day is before s; with two or more, lag-2 before s minus
    those. Kept by the same trigger as LedgerDay. Unique on (day, lag, since)."""

    day = Date()
    lag = SmallInt()
    since = Date()
    visits = Integer()


class RewardDay(Table):
    """Rewards per Oslo day and measure: "issued" (by issued_at, every reward), "redeemed" (by
    redeemed_at, status redeemed) and "ends" (by expires_at, status active or expired: run out, or
    running out that day). Kept by a trigger on insert, update and delete of reward (cards migration
    2026-11-24T09:23:01). Unique on (measure, day)."""

    measure = Varchar(length=10)
    day = Date()
    n = Integer()
