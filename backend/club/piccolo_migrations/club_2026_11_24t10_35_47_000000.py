"""Consent texts: one version number per purpose (a unique index on consent_text (purpose, version)),
and version 1 of each text for a club that already exists, as its join and consent screens showed
them. New clubs get theirs from `create_club`.

Its own migration, because a migration's raw steps run before the tables it adds exist. The texts
are frozen here on purpose: later changes are published as new versions, never by editing these.
"""

from datetime import UTC, datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-11-24T10:35:47:000000"
VERSION = "1.38.0"
DESCRIPTION = "Consent texts: unique (purpose, version); version 1 for an existing club"

FIRST_TEXTS = {
    "terms": (
        "Som medlem samler du stempler og får belønninger i butikkene våre. Vi lagrer mobilnummeret eller "
        "e-posten din, medlemsnummeret, stemplene og belønningene dine, og det du selv legger inn i profilen. "
        "Vi bruker det bare til å drive kundeklubben, og du kan melde deg ut når som helst på Min side.",
        "As a member you collect stamps and get rewards in our stores. We keep your phone number or e-mail, "
        "your member number, your stamps and rewards, and what you add to your profile yourself. We use it "
        "only to run the club, and you can leave at any time on My page.",
    ),
    "analysis": (
        "Tilbud tilpasset deg: vi ser på besøkene og interessene dine for å velge hvilke tilbud du får.",
        "Offers picked for you: we look at your visits and interests to choose which offers you get.",
    ),
    "marketing_email": (
        "Nyheter og tilbud fra oss på e-post, aldri mer enn noen ganger i måneden.",
        "News and offers from us by e-mail, never more than a few times a month.",
    ),
    "marketing_sms": (
        "Korte tilbud og invitasjoner på SMS rett på mobilen.",
        "Short offers and invitations by text message straight to your phone.",
    ),
    "marketing_push": (
        "Varsler om tilbud i appen – aldri om natten, aldri ofte.",
        "App notifications about offers – never at night, never often.",
    ),
}


def _engine():
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    return engine


async def _forwards() -> None:
    engine = _engine()
    await engine.run_ddl(
        "CREATE UNIQUE INDEX IF NOT EXISTS consent_text_purpose_version ON consent_text (purpose, version)"
    )
    clubs = await engine.run_querystring(QueryString("SELECT COUNT(*) AS n FROM club"))
    texts = await engine.run_querystring(QueryString("SELECT COUNT(*) AS n FROM consent_text"))
    if clubs[0]["n"] == 0 or texts[0]["n"] > 0:
        return
    now = datetime.now(UTC)
    for purpose, (body_nb, body_en) in FIRST_TEXTS.items():
        await engine.run_querystring(
            QueryString(
                "INSERT INTO consent_text (purpose, version, body_nb, body_en, requires_reaccept, published_at, "
                "published_by) VALUES ({}, 1, {}, {}, {}, {}, '')",
                purpose,
                body_nb,
                body_en,
                False,
                now,
            )
        )


async def _backwards() -> None:
    await _engine().run_ddl("DROP INDEX IF EXISTS consent_text_purpose_version")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="club", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
