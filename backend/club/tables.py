"""The business behind this deployment, and its stores."""

from piccolo.columns import JSON, Integer, Timestamptz, Varchar
from piccolo.table import Table


class Club(Table):
    """One row: the business's own settings (the owner edits them in the back office)."""

    name = Varchar(length=120)
    terms_version = Varchar(length=40)
    terms_url = Varchar(length=300, null=True, default=None)
    interests = JSON(default=[])  # [{"code", "label_nb", "label_en"}]
    profile_bonus_stamps = Integer(default=1)
    tier_window_days = Integer(default=365)  # tiers count stamps earned over this many days
    created_at = Timestamptz()


class Store(Table):
    slug = Varchar(length=60, unique=True)
    name = Varchar(length=120)
    address = Varchar(length=300, default="")
    timezone = Varchar(length=60, default="Europe/Oslo")
    opening_hours = JSON(
        default={}
    )  # {"mon": [{"opens": "07:00", "closes": "18:00"}], ...}; see digital_stampcard.stores
    created_at = Timestamptz()
