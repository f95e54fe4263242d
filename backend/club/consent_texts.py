"""Versioned consent texts: the owner publishes, members read the current text per purpose and accept
a new one. A version that requires acceptance again ends the earlier acceptances of its purpose
(`digital_stampcard.consents`); campaign reach and the push dispatcher read consents through
`counted_consents` so such an old "yes" is not used."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import msgspec

from backend.accounts.tables import StaffAccount
from backend.club.tables import Club, ConsentText
from backend.context import Actor, AppContext
from backend.db import lock_member, write_transaction
from backend.members.tables import ConsentEvent
from digital_stampcard import consents as rules
from digital_stampcard.errors import DomainError

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
    newest: dict[str, ConsentText] = {}
    for row in await ConsentText.objects().order_by(ConsentText.version):
        newest[row.purpose] = row
    return [_out(newest[p]) for p in rules.PURPOSES if p in newest]


async def current_versions() -> dict[str, str]:
    """The version of each purpose's text a consent given now is to (the ledger's `text_version`)."""
    return {t.purpose: str(t.version) for t in await current_texts()}


async def already_so(member_id: int, purpose: str, granted: bool) -> bool:
    """Whether the ledger already says this (a double tap, a box ticked again): it records changes only.
    A "yes" to a text since replaced by one to accept again is not "yes" any more."""
    latest = (await latest_acceptances([member_id], [purpose])).get(member_id, {}).get(purpose)
    if latest is None:
        return not granted  # never given: nothing to withdraw
    if latest.granted != granted:
        return False
    return not granted or rules.still_counts(latest, (await cutoffs()).get(purpose))


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
    rows = await ConsentText.select(
        ConsentText.purpose, ConsentText.version, ConsentText.requires_reaccept, ConsentText.published_at
    ).where(ConsentText.requires_reaccept == True)  # noqa: E712
    return rules.reaccept_cutoffs(rules.Version(**r) for r in rows)


async def latest_acceptances(
    member_ids: Iterable[int] | None, purposes: Iterable[str]
) -> dict[int, dict[str, rules.Acceptance]]:
    """The newest consent event per member and purpose (all members when `member_ids` is None)."""
    query = ConsentEvent.select(
        ConsentEvent.member, ConsentEvent.purpose, ConsentEvent.granted, ConsentEvent.created_at
    ).where(ConsentEvent.purpose.is_in(list(purposes)))
    if member_ids is not None:
        query = query.where(ConsentEvent.member.is_in(sorted(member_ids)))
    latest: dict[int, dict[str, rules.Acceptance]] = defaultdict(dict)
    for r in await query.order_by(ConsentEvent.id):
        latest[r["member"]][r["purpose"]] = rules.Acceptance(r["granted"], r["created_at"])
    return latest


async def counted_consents(member_ids: Iterable[int] | None, purposes: Iterable[str]) -> dict[int, dict[str, bool]]:
    """Per member and purpose: has consented, and to a text that still counts."""
    purposes = list(purposes)
    if member_ids is not None:
        member_ids = list(member_ids)
        if not member_ids:
            return {}
    ends = await cutoffs()
    latest = await latest_acceptances(member_ids, purposes)
    return {
        member: {p: rules.still_counts(given.get(p), ends.get(p)) for p in purposes} for member, given in latest.items()
    }


async def to_renew(member_id: int) -> list[ConsentTextOut]:
    """The texts the member said yes to before a version that needs their acceptance again."""
    ends = await cutoffs()
    if not ends:
        return []
    latest = (await latest_acceptances([member_id], ends)).get(member_id, {})
    return [t for t in await current_texts() if rules.needs_reaccept(latest.get(t.purpose), ends.get(t.purpose))]


async def answer(ctx: AppContext, member_id: int, data: ConsentAnswerIn, source: str) -> None:
    current = {t.purpose: t for t in await current_texts()}.get(data.purpose)
    if current is None or current.version != data.version:
        raise DomainError("consent_text_changed", "The text has changed. Read the new version first.", kind="conflict")
    if data.purpose == "terms" and not data.granted:
        raise DomainError(
            "terms_required", "The terms are what membership is. To say no, leave the club on My page.", kind="conflict"
        )
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        await lock_member(ctx.engine, member_id)
        if await already_so(member_id, data.purpose, data.granted):
            return
        await ConsentEvent.insert(
            ConsentEvent(
                member=member_id,
                purpose=data.purpose,
                granted=data.granted,
                text_version=str(data.version),
                source=source,
                created_at=now,
            )
        )
