"""Points: the program's rules, the reward catalogue and the append-only points ledger."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import StaffAccount
from backend.cards.tables import Scan
from backend.club.tables import Store
from backend.columns import JSON
from backend.members.tables import Member


class PointsProgram(Table):
    """The club's points program: at most one is active (`backend.points.rules`)."""

    id: Serial
    name = Varchar(length=120, default="Poeng")
    active = Boolean(default=True)
    ore_per_point = Integer(default=1000)
    action_points = JSON(default={})  # digital_stampcard.points.ACTIONS -> points
    refund_window_days = Integer(default=14)
    expiry_days = Integer(default=365)
    reminder_days = Integer(default=30)
    created_at = Timestamptz()
    updated_at = Timestamptz(null=True, default=None)


class PointsItem(Table):
    """A reward in the catalogue: what a member can spend points on."""

    id: Serial
    name = Varchar(length=120)
    picture_url = Varchar(length=300, default="")
    cost = Integer()
    stock = Integer(null=True, default=None)  # None: no limit
    valid_from = Timestamptz(null=True, default=None)
    valid_until = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz(null=True, default=None)


class PointsEntry(Table):
    """Append-only. An `earn` row is a lot; `spend`, `expire` and `reverse` rows take from a lot
    (`lot`, points negative). A reversal writes one `reverse` row on the lot itself, 0 points if
    nothing was left in it, so a lot is reversed exactly when such a row names it (`reversal_of`)."""

    id: Serial
    member = ForeignKey(references=Member, index=True)
    kind = Varchar(length=10)  # earn | spend | expire | reverse
    points = Integer()  # signed
    reason = Varchar(length=200, default="")  # purchase, an action, the item's name, the refund's reason
    lot = BigInt(null=True, default=None, index=True)
    reversal_of = BigInt(null=True, default=None, index=True)
    confirms_at = Timestamptz(null=True, default=None)  # earn rows
    expires_at = Timestamptz(null=True, default=None, index=True)  # earn rows; the expiry scan
    amount_ore = BigInt(null=True, default=None)
    receipt_key = Varchar(length=140, null=True, default=None, unique=True)  # "store:receipt": earns once
    item = ForeignKey(references=PointsItem, null=True, default=None)
    scan = ForeignKey(references=Scan, null=True, default=None)
    store = ForeignKey(references=Store, null=True, default=None)
    staff = ForeignKey(references=StaffAccount, null=True, default=None)
    actor_role = Varchar(length=10, default="system")
    idempotency_key = Varchar(length=100, null=True, default=None)
    created_at = Timestamptz(index=True)
