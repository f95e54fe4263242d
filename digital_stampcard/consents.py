"""Versioned consent texts: which consents still count after the owner publishes a new version.

A version that requires acceptance again (a material change of what is done with the data) ends
every earlier acceptance of its purpose: from then on the member has not consented until they
accept it. Other new versions keep earlier acceptances."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, get_args

import msgspec

from digital_stampcard.errors import DomainError

Purpose = Literal["terms", "analysis", "marketing_email", "marketing_sms", "marketing_push"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
MAX_BODY = 4000


class Version(msgspec.Struct, frozen=True):
    purpose: str
    version: int
    requires_reaccept: bool
    published_at: datetime


class Acceptance(msgspec.Struct, frozen=True):
    """A member's newest consent event for a purpose."""

    granted: bool
    given_at: datetime


def reaccept_cutoffs(versions: Iterable[Version]) -> dict[str, Version]:
    """Per purpose, the newest version that asked members to accept again."""
    cutoffs: dict[str, Version] = {}
    for v in versions:
        if v.requires_reaccept and (v.purpose not in cutoffs or v.version > cutoffs[v.purpose].version):
            cutoffs[v.purpose] = v
    return cutoffs


def still_counts(acceptance: Acceptance | None, cutoff: Version | None) -> bool:
    """A grant counts unless a version requiring acceptance again was published after it was given."""
    if acceptance is None or not acceptance.granted:
        return False
    return cutoff is None or acceptance.given_at >= cutoff.published_at


def needs_reaccept(acceptance: Acceptance | None, cutoff: Version | None) -> bool:
    """The member had said yes, but to a text that has since changed materially: ask them again."""
    return acceptance is not None and acceptance.granted and not still_counts(acceptance, cutoff)


def next_version(existing: Iterable[int]) -> int:
    return max(existing, default=0) + 1


def clean_body(body_nb: str, body_en: str) -> tuple[str, str]:
    """Both languages are required: a member may only be asked in a text they can read."""
    cleaned = []
    for field, body in (("body_nb", body_nb), ("body_en", body_en)):
        text = body.strip()
        if not text:
            raise DomainError("validation_error", "Write the text.", field=field)
        if len(text) > MAX_BODY:
            raise DomainError("validation_error", f"At most {MAX_BODY} characters.", field=field)
        cleaned.append(text)
    return cleaned[0], cleaned[1]
