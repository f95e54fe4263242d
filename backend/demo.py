"""Demo data: a café with two stores, a 10-stamp program, a klippekort, three tiers, staff and owner
logins, and about 50 members with a few months of history (three of them holding a klippekort), so
every screen has something real to show."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from backend.accounts.passwords import hash_password
from backend.accounts.tables import StaffAccount
from backend.campaigns.release import campaign_notification
from backend.campaigns.tables import Campaign
from backend.cards.programs import tier_ladder
from backend.cards.stamping import apply_stamps, ledger_entry
from backend.cards.tables import LedgerEntry, Program, Reward, TierLevel
from backend.cards.tiers import promote_if_earned
from backend.club.consent_texts import seed_first_versions
from backend.club.tables import Club, Store
from backend.context import Actor, AppContext
from backend.db import write_transaction
from backend.members.registry import create_member, record_consent_change, record_consents
from backend.members.schemas import MarketingChoice
from backend.members.tables import ConsentEvent, Member
from backend.points import ledger as points_ledger
from backend.points.program import rules_of as points_rules_of
from backend.points.tables import PointsItem, PointsProgram
from backend.prepaid import cards as prepaid_cards
from backend.prepaid.products import get_product
from backend.prepaid.tables import PrepaidProduct
from backend.push.tables import Notification, PushDelivery
from digital_stampcard.campaigns import Message
from digital_stampcard.identifiers import Identifier
from digital_stampcard.tiers import DEFAULT_TIERS

DEMO_LOGINS = [  # (username, password, name, role, store slug)
    ("lokka", "kaffe-lokka", "Kasse Grünerløkka", "staff", "grunerlokka"),
    ("majorstuen", "kaffe-majorstuen", "Kasse Majorstuen", "staff", "majorstuen"),
    ("eier", "kaffe-eier", "Ingrid Eier", "owner", None),
]
_WEEKDAY = [{"opens": "07:30", "closes": "18:00"}]
DEMO_HOURS = {  # see digital_stampcard.stores
    **{day: _WEEKDAY for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [{"opens": "09:00", "closes": "17:00"}],
    "sun": [{"opens": "10:00", "closes": "16:00"}],
}
DEMO_CAMPAIGN = Message(
    title="Vinterblandingen er her",
    body="Smak årets vinterkaffe: 20 % på første kopp denne uka.",
    title_en="The winter blend is here",
    body_en="Taste this year's winter coffee: 20% off your first cup this week.",
)
INTERESTS = [
    {"code": "kaffe", "label_nb": "Kaffe", "label_en": "Coffee"},
    {"code": "te", "label_nb": "Te", "label_en": "Tea"},
    {"code": "bakst", "label_nb": "Bakst", "label_en": "Pastries"},
    {"code": "vegansk", "label_nb": "Vegansk", "label_en": "Vegan"},
    {"code": "lunsj", "label_nb": "Lunsj", "label_en": "Lunch"},
]
FIRST_NAMES = [
    "Nora",
    "Emma",
    "Olav",
    "Jakob",
    "Sofie",
    "Lucas",
    "Ingrid",
    "Filip",
    "Maja",
    "Henrik",
    "Ella",
    "Aksel",
    "Leah",
    "Noah",
    "Sara",
    "Emil",
    "Frida",
    "Isak",
    "Thea",
    "Magnus",
]


async def is_empty() -> bool:
    return not await Club.exists()


async def create_club(ctx: AppContext, name: str) -> None:
    now = ctx.clock.now()
    await Club.insert(
        Club(name=name, terms_version="2026-11", interests=INTERESTS, profile_bonus_stamps=1, created_at=now)
    )
    await seed_first_versions(now)  # version 1 of every consent text
    await Program.insert(
        Program(
            name="Kaffekortet",
            capacity=10,
            reward_text="Gratis kaffe",
            reward_value_ore=4500,
            reward_valid_days=30,
            daily_cap=3,
            duplicate_window_seconds=60,
            active=True,
            created_at=now,
        )
    )
    await TierLevel.insert(
        *[
            TierLevel(
                code=t.code,
                name_nb=t.name_nb,
                name_en=t.name_en,
                threshold=t.threshold,
                stamp_multiplier=t.stamp_multiplier,
            )
            for t in DEFAULT_TIERS
        ]
    )


async def load_demo(ctx: AppContext, members: int = 50, seed: int = 7) -> list[tuple[str, str, str]]:
    """Fills an empty database; returns the demo logins (username, password, role)."""
    rng = random.Random(seed)
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        await create_club(ctx, "Kaffe & Kanel")
        stores: dict[str, int] = {}
        for slug, name, address in [
            ("grunerlokka", "Grünerløkka", "Thorvald Meyers gate 10, Oslo"),
            ("majorstuen", "Majorstuen", "Bogstadveien 50, Oslo"),
        ]:
            store = Store(slug=slug, name=name, address=address, opening_hours=DEMO_HOURS, created_at=now)
            row = await Store.insert(store).returning(Store.id)
            stores[slug] = row[0]["id"]
        staff_ids: dict[str | None, int] = {}  # by the store's slug; the owner's is None
        for username, password, name, role, store_slug in DEMO_LOGINS:
            row = await StaffAccount.insert(
                StaffAccount(
                    username=username,
                    name=name,
                    password_hash=hash_password(password),
                    role=role,
                    store=stores[store_slug] if store_slug else None,
                    created_at=now,
                )
            ).returning(StaffAccount.id)
            staff_ids[store_slug] = row[0]["id"]
        program = await Program.objects().first()
        assert program is not None
        ladder = await tier_ladder()
        for n in range(members):
            joined = now - timedelta(days=rng.randint(5, 150), hours=rng.randint(0, 10))
            phone = f"+479{rng.randint(1000000, 9999999)}"
            if await Member.exists().where(Member.phone == phone):
                continue
            member = await create_member(
                Identifier("sms", phone),
                source_store_id=rng.choice(list(stores.values())),
                signup_source=rng.choice(("poster", "poster", "staff")),  # most from the poster, some at the till
                lang="nb",
                now=joined,
            )
            await record_consents(
                member.id,
                terms=True,
                marketing=MarketingChoice(push=rng.random() < 0.6, sms=rng.random() < 0.3),
                source="join_form",
                now=joined,
            )
            if rng.random() < 0.7:
                await Member.update(
                    {
                        Member.first_name: FIRST_NAMES[n % len(FIRST_NAMES)],
                        Member.birthday: date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                        Member.interests: sorted(rng.sample([i["code"] for i in INTERESTS], 2)),
                        Member.favourite_store: rng.choice(list(stores.values())),
                        Member.profile_completed_at: joined + timedelta(days=1),
                    }
                ).where(Member.id == member.id)
                if rng.random() < 0.6:
                    await record_consent_change(member.id, "analysis", True, "profile", joined + timedelta(days=1))
            visit = joined
            for _ in range(rng.choice([1, 2, 4, 6, 9, 12, 16, 22, 30])):
                visit += timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 3))
                if visit >= now:
                    break
                slug = rng.choice(list(stores))
                actor = Actor(staff_ids[slug], "staff", stores[slug], 0, "demo", "127.0.0.1")
                applied = await apply_stamps(
                    member.id, program, 1, visit, kind="stamp", reason="visit", allowance=3, actor=actor
                )
                await Member.update({Member.last_visit_at: visit}).where(Member.id == member.id)
                for reward_id in applied.reward_ids:
                    if rng.random() < 0.6 and visit + timedelta(days=3) < now:
                        used = visit + timedelta(days=rng.randint(1, 3))
                        await Reward.update(
                            {Reward.status: "redeemed", Reward.redeemed_at: used, Reward.redeemed_store: stores[slug]}
                        ).where(Reward.id == reward_id)
                        entry = ledger_entry(
                            member.id,
                            program.id,
                            "reward_redeemed",
                            0,
                            program.reward_text,
                            used,
                            actor,
                            None,
                            None,
                            reward_id=reward_id,
                        )
                        entry.redemption_of = f"{reward_id}#1"
                        await LedgerEntry.insert(entry)
            fresh = await Member.objects().where(Member.id == member.id).first()
            assert fresh is not None
            await promote_if_earned(fresh, now, ladder)
        await _klippekort(stores, staff_ids, now)
        await _points(stores, staff_ids, now)
        await _past_campaign(staff_ids[None], now - timedelta(days=12), rng)
    return [(u, p, r) for u, p, _, r, _ in DEMO_LOGINS]


async def _klippekort(stores: dict[str, int], staff_ids: dict[str | None, int], now: datetime) -> None:
    """The café sells "10 kaffe for 300 kr" in both stores; three members hold one, partly used."""
    [row] = await PrepaidProduct.insert(
        PrepaidProduct(name="10 kaffe for 300 kr", units=10, price_ore=30000, valid_days=90, created_at=now)
    ).returning(PrepaidProduct.id)
    product = await get_product(row["id"])
    holders = await Member.select(Member.id).where(Member.first_name.is_not_null()).order_by(Member.id).limit(3)
    for n, holder in enumerate(holders):
        slug = ("grunerlokka", "majorstuen")[n % 2]
        actor = Actor(staff_ids[slug], "staff", stores[slug], 0, "demo", "127.0.0.1")
        sold = now - timedelta(days=20 - 5 * n)
        card_id = await prepaid_cards.sell(holder["id"], product, sold, actor, scan_pk=None, key=None)
        for visit in range(7 - 3 * n):
            card = await prepaid_cards.card_of(holder["id"], card_id)
            await prepaid_cards.use_one(card, sold + timedelta(days=1 + visit), actor, scan_pk=None, key=None)


async def _points(stores: dict[str, int], staff_ids: dict[str | None, int], now: datetime) -> None:
    """Points beside the stamps: a point per 10 NOK, a catalogue of three, and the members who
    hold a klippekort buying with points too, some confirmed and some still pending."""
    program = PointsProgram(
        name="Kaffepoeng",
        ore_per_point=1000,
        action_points={"profile_completed": 25, "birthday": 50},
        refund_window_days=14,
        expiry_days=365,
        reminder_days=30,
        created_at=now,
    )
    await program.save()
    for name, cost, stock in [("Kanelbolle", 30, None), ("Stor latte", 60, None), ("Kaffekopp med logo", 250, 12)]:
        await PointsItem.insert(PointsItem(name=name, cost=cost, stock=stock, created_at=now))
    program_rules = points_rules_of(program)
    buyers = await Member.select(Member.id).where(Member.first_name.is_not_null()).order_by(Member.id).limit(4)
    for n, buyer in enumerate(buyers):
        slug = ("grunerlokka", "majorstuen")[n % 2]
        actor = Actor(staff_ids[slug], "staff", stores[slug], 0, "demo", "127.0.0.1")
        for visit in range(3 + n):
            bought = now - timedelta(days=30 - 6 * visit - n)
            amount = 8900 + 4500 * ((visit + n) % 4)  # 89 to 224 NOK
            points = amount // program.ore_per_point
            await points_ledger.earn(
                buyer["id"], points, "purchase", bought, program_rules, purchase=True, actor=actor, amount_ore=amount
            )
        if n == 0:  # one of them has had a cinnamon bun for points already
            bun = await PointsItem.objects().where(PointsItem.name == "Kanelbolle").first()
            assert bun is not None
            await points_ledger.spend(buyer["id"], bun, now - timedelta(days=2), actor, scan_pk=None, key=None)


async def _past_campaign(owner_id: int, sent: datetime, rng: random.Random) -> None:
    """One campaign that went out before the demo starts, so the campaign screens have numbers.
    Its pushes went to phones that are gone now (no subscription rows), so nothing is re-sent."""
    [row] = await Campaign.insert(
        Campaign(
            title=DEMO_CAMPAIGN.title,
            body=DEMO_CAMPAIGN.body,
            title_en=DEMO_CAMPAIGN.title_en,
            body_en=DEMO_CAMPAIGN.body_en,
            target="offer",
            send_at=sent,
            release_at=sent,
            status="released",
            created_by=owner_id,
            created_at=sent - timedelta(days=1),
            released_at=sent,
        )
    ).returning(Campaign.id)
    campaign_id = row["id"]
    consenting = await ConsentEvent.select(ConsentEvent.member).where(
        (ConsentEvent.purpose == "marketing_push") & (ConsentEvent.granted == True)  # noqa: E712
    )
    if not consenting:  # a demo with few members may have nobody who said yes
        return
    members = await Member.select(Member.id, Member.lang).where(Member.id.is_in([r["member"] for r in consenting]))
    for member in members:
        sent_note = campaign_notification(
            campaign_id,
            "offer",
            "push",
            DEMO_CAMPAIGN,
            member["id"],
            member["lang"],
            personalised=False,
            now=sent,
            due_at=sent,
        )
        sent_note.status = "expanded"
        [note] = await Notification.insert(sent_note).returning(Notification.id)
        received = rng.random() < 0.85
        await PushDelivery.insert(
            PushDelivery(
                notification=note["id"],
                delivery_key=f"{note['id']}:demo",
                status="sent",
                attempts=1,
                next_attempt_at=sent,
                response_status=201,
                created_at=sent,
                sent_at=sent,
                received_at=sent + timedelta(seconds=rng.randint(1, 600)) if received else None,
                opened_at=sent + timedelta(minutes=rng.randint(1, 300)) if received and rng.random() < 0.35 else None,
            )
        )
