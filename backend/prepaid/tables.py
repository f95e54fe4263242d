"""Prepaid klippekort: the products the owner sells, the cards members hold, and the append-only
entries (sale, use, undo, void, refund) that change them."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import StaffAccount
from backend.cards.tables import Scan
from backend.club.tables import Store
from backend.columns import JSON
from backend.members.tables import Member


class PrepaidProduct(Table):
    id: Serial
    name = Varchar(length=120)
    units = Integer()
    price_ore = Integer()
    valid_days = Integer()
    store_ids = JSON(default=[])  # where it is sold and used; [] is every store
    active = Boolean(default=True)
    created_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)


class PrepaidCard(Table):
    """One sold klippekort. It keeps the product's terms as sold: a later change never alters it."""

    id: Serial
    member = ForeignKey(references=Member, index=True)
    product = ForeignKey(references=PrepaidProduct)
    name = Varchar(length=120)
    units = Integer()
    price_ore = Integer()
    store_ids = JSON(default=[])
    used = Integer(default=0)  # changed only by a conditional update: never past `units`, never below 0
    status = Varchar(length=10, default="active")  # active | refunded | voided (used up / expired follow)
    sold_store = ForeignKey(references=Store, null=True, default=None)
    sold_at = Timestamptz(index=True)
    expires_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)


class PrepaidEntry(Table):
    """Append-only. An undo or void is a new row that points at what it reverses (once: unique)."""

    id: Serial
    card = ForeignKey(references=PrepaidCard, index=True)
    member = ForeignKey(references=Member, index=True)
    kind = Varchar(length=8)  # sale | use | undo | void | refund
    units = Integer(default=0)  # the units the entry is about (a sale's, 1 for a use, what a refund returned)
    value_ore = Integer(default=0)  # what those units are worth
    reason = Varchar(length=200, default="")
    store = ForeignKey(references=Store, null=True, default=None)
    staff = ForeignKey(references=StaffAccount, null=True, default=None)
    actor_role = Varchar(length=10, default="staff")
    device = Varchar(length=120, default="")
    ip = Varchar(length=64, default="")
    idempotency_key = Varchar(length=100, null=True, default=None)
    scan = ForeignKey(references=Scan, null=True, default=None)
    reverses = BigInt(null=True, default=None, unique=True)
    created_at = Timestamptz(index=True)
