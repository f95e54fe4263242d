"""The business behind this deployment, and its stores."""

from piccolo.columns import Boolean, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.columns import JSON


class Club(Table):
    """One row: the business's own settings (the owner edits them in the back office)."""

    id: Serial  # Piccolo adds the primary key; the annotation lets mypy see it

    name = Varchar(length=120)
    terms_version = Varchar(length=40)
    terms_url = Varchar(length=300, null=True, default=None)
    interests = JSON(default=[])  # [{"code", "label_nb", "label_en"}]
    profile_bonus_stamps = Integer(default=1)
    tier_window_days = Integer(default=365)  # tiers count stamps earned over this many days
    # Bonuses (see backend/cards/visit_bonuses.py and backend/push/schedules.py). A "" reward text
    # means the program's own reward.
    welcome_bonus_stamps = Integer(default=0)  # given with the first staff-given stamp
    birthday_reward = Boolean(default=True)
    birthday_reward_text = Varchar(length=120, default="")
    anniversary_reward = Boolean(default=False)  # on the day the member joined, every year
    anniversary_reward_text = Varchar(length=120, default="")
    surprise_share_percent = Integer(default=0)  # share of visits with a random surprise reward, 0-20
    surprise_reward_text = Varchar(length=120, default="")
    referral_reward_text = Varchar(length=120, default="")  # the referrer's reward
    referral_monthly_cap = Integer(default=5)  # rewarded referrals per referrer and Oslo calendar month
    referral_friend_reward = Boolean(default=True)  # the friend who joined gets a reward too, at that first stamp
    referral_friend_reward_text = Varchar(length=120, default="")
    profile_fields = JSON(default=[])  # [{"key", "label_nb", "label_en", "kind", "options", "max_length"}]
    created_at = Timestamptz()


class Store(Table):
    id: Serial
    slug = Varchar(length=60, unique=True)
    name = Varchar(length=120)
    address = Varchar(length=300, default="")
    timezone = Varchar(length=60, default="Europe/Oslo")
    opening_hours = JSON(
        default={}
    )  # {"mon": [{"opens": "07:00", "closes": "18:00"}], ...}; see digital_stampcard.stores
    created_at = Timestamptz()


class ConsentText(Table):
    id: Serial
    """A published text a member consents to. Never edited: a change is a new version. Unique on
    (purpose, version) by an index made in the club's second migration."""

    purpose = Varchar(length=40)  # terms | analysis | marketing_email | marketing_sms | marketing_push
    version = Integer()
    body_nb = Text()
    body_en = Text()
    requires_reaccept = Boolean(default=False)  # earlier acceptances stop counting from this version
    published_at = Timestamptz()
    published_by = Varchar(length=120, default="")  # the owner's name; "" for the first texts
