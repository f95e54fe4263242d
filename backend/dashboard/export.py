"""The table behind each chart as CSV (";"-separated, UTF-8 with BOM: what Norwegian Excel opens)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from backend.dashboard.schemas import DashboardOut
from digital_stampcard.dashboard import Cell, oslo_day, to_csv
from digital_stampcard.errors import DomainError

Lang = Literal["nb", "en"]
Table = tuple[dict[Lang, list[str]], Callable[[DashboardOut, Lang], list[Sequence[Cell]]]]


def _summary(d: DashboardOut, lang: Lang) -> list[Sequence[Cell]]:
    a, r, p, w = d.activity, d.rewards, d.push, d.winback
    rows: list[tuple[str, str, Cell]] = [
        ("Medlemmer totalt", "Members in total", d.members.total),
        ("Nye medlemmer", "New members", d.members.new),
        ("Aktive siste 30 dager", "Active last 30 days", a.active_30d),
        ("Aktive siste 90 dager", "Active last 90 days", a.active_90d),
        ("Besøkende i perioden", "Visitors in the period", a.visitors),
        ("Kom igjen (2+ besøk)", "Came back (2+ visits)", a.repeat_visitors),
        ("Andel som kom igjen", "Repeat-visit rate", a.repeat_visit_rate),
        ("Besøk", "Visits", a.visits),
        ("Besøk per aktivt medlem", "Visits per active member", a.avg_visits_per_active),
        ("Stempler gitt", "Stamps given", d.stamps.total),
        ("Belønninger gitt", "Rewards issued", r.issued),
        ("Belønninger brukt", "Rewards redeemed", r.redeemed),
        ("Belønninger utløpt", "Rewards expired", r.expired),
        ("Innløsningsgrad", "Redemption rate", r.redemption_rate),
        ("Medlemmer med varsler på", "Members with push on", p.push_members),
        ("Andel med varsler på", "Push opt-in rate", p.push_opt_in_rate),
        ("Samtykke til tilbud på push", "Consent to push offers", p.offers_consent),
        ("Fikk «vi savner deg»", "Got “we miss you”", w.messaged),
        (f"Kom tilbake innen {w.window_days} dager", f"Came back within {w.window_days} days", w.won_back),
        ("Andel vunnet tilbake", "Won-back rate", w.rate),
    ]
    return [(nb if lang == "nb" else en, value) for nb, en, value in rows]


TABLES: dict[str, Table] = {
    "summary": ({"nb": ["Tall", "Verdi"], "en": ["Figure", "Value"]}, _summary),
    "members": (
        {"nb": ["Uke (mandag)", "Nye", "Totalt"], "en": ["Week (Monday)", "New", "Total"]},
        lambda d, _: [(w.week, w.new, w.total) for w in d.members.weekly],
    ),
    "signups-store": (
        {"nb": ["Butikk", "Nye medlemmer"], "en": ["Store", "New members"]},
        lambda d, lang: [
            (s.store or ("Uten butikk" if lang == "nb" else "No store"), s.count) for s in d.signups.by_store
        ],
    ),
    "signups-source": (
        {"nb": ["Kilde", "Nye medlemmer"], "en": ["Source", "New members"]},
        lambda d, _: [(s.source, s.count) for s in d.signups.by_source],
    ),
    "stamps": (
        {"nb": ["Dag", "Stempler"], "en": ["Day", "Stamps"]},
        lambda d, _: [(s.day, s.stamps) for s in d.stamps.daily],
    ),
    "rewards": (
        {"nb": ["Dag", "Gitt", "Brukt", "Utløpt"], "en": ["Day", "Issued", "Redeemed", "Expired"]},
        lambda d, _: [(r.day, r.issued, r.redeemed, r.expired) for r in d.rewards.daily],
    ),
    "tiers": (
        {"nb": ["Nivå", "Medlemmer"], "en": ["Tier", "Members"]},
        lambda d, lang: [(t.name_nb if lang == "nb" else t.name_en, t.count) for t in d.tiers],
    ),
    "campaigns": (
        {
            "nb": ["Kampanje", "Sendt", "Mottakere", "Levert", "Åpnet", "Åpningsrate"],
            "en": ["Campaign", "Sent", "Recipients", "Delivered", "Clicked", "Click rate"],
        },
        lambda d, _: [
            (c.title, oslo_day(c.released_at), c.recipients, c.delivered, c.clicked, c.click_rate) for c in d.campaigns
        ],
    ),
}


def table_name(file: str) -> str:
    """ "stamps.csv" -> "stamps"; anything else is not one of ours."""
    name = file.removesuffix(".csv")
    if name == file or name not in TABLES:
        raise DomainError("dashboard_table_not_found", "There is no such table.", kind="not_found", tables=list(TABLES))
    return name


def table_csv(name: str, data: DashboardOut, lang: Lang) -> str:
    headers, rows = TABLES[name]
    return to_csv(headers[lang], rows(data, lang))


def filename(name: str, data: DashboardOut) -> str:
    return f"stampcard-{name}-{data.period.from_.isoformat()}-{data.period.to.isoformat()}.csv"
