"""What Min side shows about a member's consents: each purpose's state, and where each event came from."""

from __future__ import annotations

from typing import Literal

from digital_stampcard.consents import Acceptance, Version, needs_reaccept

State = Literal["given", "renew", "withdrawn", "not_given"]
SourceKind = Literal[
    "join_form",
    "poster",
    "staff",
    "referral",
    "login_form",
    "min_side",
    "push_settings",
    "profile",
    "renewal",
    "left",
    "opt_out_link",
]

# The ledger's `source` (free text, written since the first join) to the kind Min side names. A join
# through a store's poster or till is recorded as "poster:<store slug>" / "staff:<store slug>".
_KINDS: dict[str, SourceKind] = {
    "join_form": "join_form",
    "direct": "join_form",
    "poster": "poster",
    "staff": "staff",
    "referral": "referral",
    "login_form": "login_form",
    "min_side": "min_side",
    "push_settings": "push_settings",
    "profile": "profile",
    "renewal_prompt": "renewal",
    "member_left": "left",
    "opt_out_link": "opt_out_link",  # "opt_out_link" or "opt_out_link:campaign:<id>" (an e-mail's or SMS's link)
}


def state_of(latest: Acceptance | None, cutoff: Version | None) -> State:
    """ "renew": the member said yes to a text since replaced by one that asks everyone again."""
    if latest is None:
        return "not_given"
    if not latest.granted:
        return "withdrawn"
    return "renew" if needs_reaccept(latest, cutoff) else "given"


def source_of(source: str) -> tuple[SourceKind | None, str | None]:
    """The kind of place an event came from (None: a source this version does not know) and the store
    slug when it names one."""
    kind, _, store = source.partition(":")
    if kind == "opt_out_link":
        return "opt_out_link", None  # what follows names a campaign, not a store
    return _KINDS.get(kind), (store or None)
