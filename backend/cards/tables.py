"""Programs, tiers, cards, rewards, the append-only ledger and scans."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import StaffAccount
from backend.club.tables import Store
from backend.columns import JSON
from backend.members.tables import Member


class Program(Table):
    id: Serial
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
    id: Serial
    code = Varchar(length=20, unique=True)
    name_nb = Varchar(length=40)
    name_en = Varchar(length=40)
    threshold = Integer()
    stamp_multiplier = Integer(default=1)
    extra_reward_text = Varchar(length=120, default="")  # given once on reaching the tier; "" is none
    early_access_minutes = Integer(default=0)  # campaigns reach this tier this much earlier by default


class Card(Table):
    """A card keeps the policy it was opened under (capacity, reward, validity)."""

    id: Serial
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
    id: Serial
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

    id: Serial
    public_id = Varchar(length=32, unique=True)
    member = ForeignKey(references=Member)
    store = ForeignKey(references=Store, null=True, default=None)
    staff = ForeignKey(references=StaffAccount)
    session_id = BigInt()
    method = Varchar(length=10)  # qr | manual
    code_hash = Varchar(length=64, default="")  # lets the same till rescan the same code
    # "device:step" of a QR scan: each step of a device is used once, the unique key the last line
    # of defence behind the device's conditional step update. None for a typed member number.
    use_key = Varchar(length=40, null=True, default=None, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()


class LedgerEntry(Table):
    """Append-only. Corrections are new rows that point at what they reverse."""

    id: Serial
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
    receipt_key = Varchar(length=140, null=True, default=None, unique=True)  # "store:receipt": stamps once
    amount_ore = BigInt(null=True, default=None)  # the purchase amount behind a POS stamp
    created_at = Timestamptz(index=True)
