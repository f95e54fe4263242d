"""Min side's consents: each purpose's state and the member's whole consent history, and one switch per
purpose. A change is a new `ConsentEvent` to the purpose's current text, source "min_side"; campaigns
and the push dispatcher read the ledger at send time, so a withdrawal counts at once."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.club import consent_texts
from backend.club.tables import Store
from backend.context import AppContext
from backend.members import consent_ledger
from backend.members.tables import ConsentEvent
from digital_stampcard import consent_history
from digital_stampcard.consents import PURPOSES
from digital_stampcard.errors import DomainError


class PurposeOut(msgspec.Struct):
    purpose: str
    state: consent_history.State  # given | renew (said yes to a replaced text) | withdrawn | not_given
    text_version: int  # the current text, which a change now is recorded against
    body_nb: str
    body_en: str
    can_withdraw: bool  # not the club terms: leaving the club is how


class ConsentEventOut(msgspec.Struct):
    purpose: str
    granted: bool
    text_version: str
    source: consent_history.SourceKind | None  # None: recorded by a source this version cannot name
    store: str | None  # the store's name, for a join through its poster or till
    at: datetime


class MyConsents(msgspec.Struct):
    purposes: list[PurposeOut]
    history: list[ConsentEventOut]  # newest first


class ConsentChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    granted: bool


async def my_consents(member_id: int) -> MyConsents:
    texts = await consent_texts.current_texts()
    cutoffs = await consent_texts.cutoffs()
    latest = (await consent_ledger.latest_acceptances([member_id], [t.purpose for t in texts])).get(member_id, {})
    purposes = [
        PurposeOut(
            t.purpose,
            consent_history.state_of(latest.get(t.purpose), cutoffs.get(t.purpose)),
            t.version,
            t.body_nb,
            t.body_en,
            t.purpose != "terms",
        )
        for t in texts
    ]
    rows = (
        await ConsentEvent.select(
            ConsentEvent.purpose,
            ConsentEvent.granted,
            ConsentEvent.text_version,
            ConsentEvent.source,
            ConsentEvent.created_at,
        )
        .where(ConsentEvent.member == member_id)
        .order_by(ConsentEvent.id, ascending=False)
    )
    stores = {s["slug"]: s["name"] for s in await Store.select(Store.slug, Store.name)}
    history = []
    for r in rows:
        kind, slug = consent_history.source_of(r["source"])
        history.append(
            ConsentEventOut(
                r["purpose"], r["granted"], r["text_version"], kind, stores.get(slug or ""), r["created_at"]
            )
        )
    return MyConsents(purposes, history)


async def change(ctx: AppContext, member_id: int, purpose: str, data: ConsentChangeIn) -> MyConsents:
    """Gives or withdraws one purpose. Withdrawing the club terms is refused (`terms_required`)."""
    if purpose not in PURPOSES:
        raise DomainError("unknown_purpose", "There is no such consent.", kind="not_found")
    current = {t.purpose: t.version for t in await consent_texts.current_texts()}
    answer = consent_texts.ConsentAnswerIn(purpose, current.get(purpose, 0), data.granted)
    await consent_ledger.answer(ctx, member_id, answer, "min_side")
    return await my_consents(member_id)
