"""The consent ledger: what each member said to each purpose, and which of it still counts under the
club's current texts (a text that needs re-acceptance stops older answers counting)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from backend.club.consent_texts import ConsentAnswerIn, ConsentTextOut, current_texts, current_versions, cutoffs
from backend.context import AppContext
from backend.db import write_transaction
from backend.members.locking import lock_member
from backend.members.tables import ConsentEvent
from digital_stampcard import consents as rules
from digital_stampcard.errors import DomainError


async def already_so(member_id: int, purpose: str, granted: bool) -> bool:
    """Whether the ledger already says this (a double tap, a box ticked again): it records changes only.
    A "yes" to a text since replaced by one to accept again is not "yes" any more."""
    latest = (await latest_acceptances([member_id], [purpose])).get(member_id, {}).get(purpose)
    if latest is None:
        return not granted  # never given: nothing to withdraw
    if latest.granted != granted:
        return False
    return not granted or rules.still_counts(latest, (await cutoffs()).get(purpose))


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
    await _record(ctx, member_id, data.purpose, data.granted, str(data.version), source)


async def withdraw(ctx: AppContext, member_id: int, purpose: str, source: str) -> bool:
    """A "no" to `purpose` under its current text (an opt-out link); False when the ledger already said no."""
    version = (await current_versions()).get(purpose)
    if version is None:
        raise DomainError("unknown_purpose", "There is no such consent.", kind="not_found")
    return await _record(ctx, member_id, purpose, False, version, source)


async def _record(ctx: AppContext, member_id: int, purpose: str, granted: bool, version: str, source: str) -> bool:
    """Appends the answer unless the ledger already says so (under the member's lock); True: appended."""
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        await lock_member(ctx.engine, member_id)
        if await already_so(member_id, purpose, granted):
            return False
        await ConsentEvent.insert(
            ConsentEvent(
                member=member_id,
                purpose=purpose,
                granted=granted,
                text_version=version,
                source=source,
                created_at=now,
            )
        )
    return True
