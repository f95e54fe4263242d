"""Versioned consent texts: the owner publishes, members read the current text per purpose and accept
a new one. A version that requires acceptance again ends the earlier acceptances of its purpose
(`digital_stampcard.consents`); campaign reach and the push dispatcher read consents through
`counted_consents` so such an old "yes" is not used."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend import config_cache
from backend.accounts.tables import StaffAccount
from backend.club.tables import Club, ConsentText
from backend.context import Actor, AppContext
from backend.db import write_transaction
from digital_stampcard import consents as rules

# Version 1 of every text: what the join and consent screens said before texts had versions.
FIRST_TEXTS: dict[str, tuple[str, str]] = {
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


class ConsentTextOut(msgspec.Struct):
    purpose: str
    version: int
    body_nb: str
    body_en: str
    requires_reaccept: bool
    published_at: datetime
    published_by: str


class ConsentTextsOut(msgspec.Struct):
    current: list[ConsentTextOut]  # the newest version of each purpose, in a fixed order
    history: list[ConsentTextOut]  # every version, newest first


class ConsentTextIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new version of one purpose's text. `requires_reaccept`: the change is material (what is done
    with the data changes), so earlier acceptances stop counting until the member accepts again."""

    purpose: rules.Purpose
    body_nb: str
    body_en: str
    requires_reaccept: bool = False


class ConsentAnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    """The member's answer to the version they were shown (a newer one means they must read it first)."""

    purpose: rules.Purpose
    version: int
    granted: bool


def _out(row: ConsentText) -> ConsentTextOut:
    return ConsentTextOut(
        row.purpose, row.version, row.body_nb, row.body_en, row.requires_reaccept, row.published_at, row.published_by
    )


async def seed_first_versions(now: datetime) -> None:
    """Version 1 of each purpose, for a new club (`create_club`)."""
    await ConsentText.insert(
        *[
            ConsentText(purpose=p, version=1, body_nb=nb, body_en=en, requires_reaccept=False, published_at=now)
            for p, (nb, en) in FIRST_TEXTS.items()
        ]
    )


async def current_texts() -> list[ConsentTextOut]:
    """Each purpose's newest text; cached per configuration generation (read-only for callers)."""
    return await config_cache.cached("consent_texts", _load_current_texts)


async def _load_current_texts() -> list[ConsentTextOut]:
    newest: dict[str, ConsentText] = {}
    for row in await ConsentText.objects().order_by(ConsentText.version):
        newest[row.purpose] = row
    return [_out(newest[p]) for p in rules.PURPOSES if p in newest]


async def current_versions() -> dict[str, str]:
    """The version of each purpose's text a consent given now is to (the ledger's `text_version`)."""
    return {t.purpose: str(t.version) for t in await current_texts()}


async def all_texts() -> ConsentTextsOut:
    rows = (
        await ConsentText.objects()
        .order_by(ConsentText.published_at, ascending=False)
        .order_by(ConsentText.version, ascending=False)
    )
    return ConsentTextsOut(await current_texts(), [_out(r) for r in rows])


async def publish(ctx: AppContext, owner: Actor, data: ConsentTextIn) -> ConsentTextOut:
    body_nb, body_en = rules.clean_body(data.body_nb, data.body_en)
    now = ctx.clock.now()
    staff = await StaffAccount.select(StaffAccount.name).where(StaffAccount.id == owner.staff_id).first()
    async with write_transaction(ctx.engine):
        existing = await ConsentText.select(ConsentText.version).where(ConsentText.purpose == data.purpose)
        row = ConsentText(
            purpose=data.purpose,
            version=rules.next_version(r["version"] for r in existing),
            body_nb=body_nb,
            body_en=body_en,
            requires_reaccept=data.requires_reaccept,
            published_at=now,
            published_by=staff["name"] if staff else "",
        )
        await row.save()
        if data.purpose == "terms":  # the join form records the terms version it shows
            await Club.update({Club.terms_version: str(row.version)}, force=True)
    return _out(row)


async def cutoffs() -> dict[str, rules.Version]:
    """Per purpose, the newest text that asks for acceptance again; cached like `current_texts`."""
    return await config_cache.cached("consent_cutoffs", _load_cutoffs)


async def _load_cutoffs() -> dict[str, rules.Version]:
    rows = await ConsentText.select(
        ConsentText.purpose, ConsentText.version, ConsentText.requires_reaccept, ConsentText.published_at
    ).where(ConsentText.requires_reaccept == True)  # noqa: E712
    return rules.reaccept_cutoffs(rules.Version(**r) for r in rows)
