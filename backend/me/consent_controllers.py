"""The member's consents (`/api/me/consents`): each purpose's state and history, one switch each."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts.deps import MemberAuth, provide_member
from backend.club import consent_texts
from backend.context import AppContext
from backend.members import consent_ledger, consents


class MemberConsentController(Controller):
    path = "/api/me/consents"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @post("/", status_code=HTTP_204_NO_CONTENT, operation_id="answerChangedConsentTexts")
    async def answer(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: consent_texts.ConsentAnswerIn
    ) -> None:
        """Accepts (or for marketing and analysis, declines) the current version of a text."""
        await consent_ledger.answer(ctx, auth.member.id, data, "renewal_prompt")

    @get("/", operation_id="getMyConsents")
    async def mine(self, auth: NamedDependency[MemberAuth]) -> consents.MyConsents:
        """Min side: each purpose's state (given, renew, withdrawn, not_given) and every consent event, newest first."""
        return await consents.my_consents(auth.member.id)

    @put("/{purpose:str}", operation_id="changeMyConsent")
    async def change(
        self,
        ctx: NamedDependency[AppContext],
        auth: NamedDependency[MemberAuth],
        purpose: str,
        data: consents.ConsentChangeIn,
    ) -> consents.MyConsents:
        """Min side's switch: gives or withdraws one purpose, to its current text (the club terms cannot
        be withdrawn: leaving the club is how)."""
        return await consents.change(ctx, auth.member.id, purpose, data)
