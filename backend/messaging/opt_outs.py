"""Opt-out links (`/u/{token}`): what the page shows for a token, and the withdrawal it confirms.

The signed token is the authority (no login, no cookie), so only guessing is rate-limited per IP: a mail
provider's servers send many members' one-click unsubscribes from few addresses. A genuine token is
limited per member, which only stops hammering: a second withdrawal records nothing anyway."""

from __future__ import annotations

import dataclasses
import logging
from typing import Literal

from backend.club.service import get_club
from backend.context import AppContext
from backend.members import consent_ledger
from backend.members.tables import Member
from digital_stampcard.opt_out import OptOut, OptOutChannel, read_token

log = logging.getLogger("stampcard.opt_out")

INVALID_TOKENS_PER_IP = 30  # in INVALID_WINDOW_SECONDS
INVALID_WINDOW_SECONDS = 600
REQUESTS_PER_MEMBER = 30  # in MEMBER_WINDOW_SECONDS
MEMBER_WINDOW_SECONDS = 600

PURPOSES: dict[OptOutChannel, str] = {"email": "marketing_email", "sms": "marketing_sms"}

PageState = Literal["ask", "done", "not_member", "not_found", "rate_limited"]


@dataclasses.dataclass(frozen=True)
class OptOutView:
    state: PageState
    lang: Literal["nb", "en"] | None = None  # None: no member known, the page speaks both
    club_name: str = ""
    channel: OptOutChannel = "email"
    retry_after: int | None = None  # rate_limited: seconds


def ledger_source(opt_out: OptOut) -> str:
    """The consent event's source: the campaign page counts its opt-outs by it."""
    return "opt_out_link" if opt_out.campaign_id is None else f"opt_out_link:campaign:{opt_out.campaign_id}"


async def look_up(ctx: AppContext, token: str, ip: str) -> OptOutView:
    """What GET shows. Changes nothing: link scanners and message previews fetch the link too."""
    return (await _find(ctx, token, ip))[1]


async def opt_out(ctx: AppContext, token: str, ip: str) -> OptOutView:
    """Withdraws the token's channel from marketing; a second time records nothing and says the same."""
    found, view = await _find(ctx, token, ip)
    if found is None:
        return view
    if await consent_ledger.withdraw(ctx, found.member_id, PURPOSES[found.channel], ledger_source(found)):
        log.info("opt-out recorded: %s, campaign %s", found.channel, found.campaign_id or "-")
    return dataclasses.replace(view, state="done")


async def _find(ctx: AppContext, token: str, ip: str) -> tuple[OptOut | None, OptOutView]:
    """The opt-out to act on (None: nothing to do) and the page for it."""
    found = read_token(ctx.settings.secret_key, token)
    if found is None:
        wait = await ctx.limiter.hit(f"opt-out-invalid:{ip}", INVALID_TOKENS_PER_IP, INVALID_WINDOW_SECONDS)
        if wait is not None:
            return None, OptOutView("rate_limited", retry_after=wait)
        return None, OptOutView("not_found", club_name=(await get_club()).name)
    wait = await ctx.limiter.hit(f"opt-out:{found.member_id}", REQUESTS_PER_MEMBER, MEMBER_WINDOW_SECONDS)
    member = await Member.select(Member.lang, Member.left_at).where(Member.id == found.member_id).first()
    if member is None:  # a token signed for a member of another database (a restored backup, staging)
        return None, OptOutView("not_found", club_name=(await get_club()).name)
    lang: Literal["nb", "en"] = "en" if member["lang"] == "en" else "nb"
    if wait is not None:
        return None, OptOutView("rate_limited", lang, retry_after=wait, channel=found.channel)
    view = OptOutView("ask", lang, (await get_club()).name, found.channel)
    if member["left_at"] is not None:
        return None, dataclasses.replace(view, state="not_member")
    return found, view
