"""The owner's club setup (bonuses, profile fields, interests, consent texts), the consent texts any
visitor may read, and a member's answer to a changed text."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.club import consent_texts, setup
from backend.context import Actor, AppContext
from backend.members import consents
from backend.web.auth import MemberAuth, owner_only, provide_member, provide_owner
from digital_stampcard.bonuses import BonusSettings


class ClubSetupController(Controller):
    path = "/api/admin/club"
    tags = ["owner", "club setup"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/bonuses")
    async def bonuses(self, ctx: NamedDependency[AppContext]) -> setup.BonusesOut:
        """Profile completion, welcome, birthday, anniversary and surprise bonuses."""
        return await setup.get_bonuses(ctx.clock.now())

    @put("/bonuses")
    async def put_bonuses(self, ctx: NamedDependency[AppContext], data: BonusSettings) -> setup.BonusesOut:
        """Saves every bonus setting. A reward text of "" gives the program's own reward; the surprise
        share is 0-20 % of visits."""
        return await setup.put_bonuses(ctx, data)

    @get("/profile-fields")
    async def profile_fields(self) -> setup.ProfileFieldsOut:
        return await setup.get_profile_fields()

    @put("/profile-fields")
    async def put_profile_fields(
        self, ctx: NamedDependency[AppContext], data: setup.ProfileFieldsIn
    ) -> setup.ProfileFieldsOut:
        """The whole list of the business's own profile fields, in order (kind text, number or choice)."""
        return await setup.put_profile_fields(ctx, data)

    @get("/interests")
    async def interests(self) -> setup.InterestsOut:
        return await setup.get_interests()

    @put("/interests")
    async def put_interests(self, ctx: NamedDependency[AppContext], data: setup.InterestsIn) -> setup.InterestsOut:
        return await setup.put_interests(ctx, data)

    @get("/consent-texts")
    async def texts(self) -> consent_texts.ConsentTextsOut:
        """The current text of each purpose and every version published."""
        return await consent_texts.all_texts()

    @post("/consent-texts", status_code=201)
    async def publish(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], data: consent_texts.ConsentTextIn
    ) -> consent_texts.ConsentTextOut:
        """Publishes a new version (old versions are never edited). With `requires_reaccept`, earlier
        acceptances stop counting until each member accepts the new text."""
        return await consent_texts.publish(ctx, owner, data)


class ConsentTextController(Controller):
    path = "/api/consent-texts"
    tags = ["club"]

    @get("/")
    async def current(self) -> list[consent_texts.ConsentTextOut]:
        """The current text of each purpose: terms, analysis, marketing_email, marketing_sms, marketing_push."""
        return await consent_texts.current_texts()


class MemberConsentController(Controller):
    path = "/api/me/consents"
    tags = ["member"]
    dependencies = {"auth": Provide(provide_member)}

    @post("/", status_code=HTTP_204_NO_CONTENT)
    async def answer(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: consent_texts.ConsentAnswerIn
    ) -> None:
        """Accepts (or for marketing and analysis, declines) the current version of a text."""
        await consent_texts.answer(ctx, auth.member.id, data, "renewal_prompt")

    @get("/")
    async def mine(self, auth: NamedDependency[MemberAuth]) -> consents.MyConsents:
        """Min side: each purpose's state (given, renew, withdrawn, not_given) and every consent event, newest first."""
        return await consents.my_consents(auth.member.id)

    @put("/{purpose:str}")
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


CLUB_SETUP = [ClubSetupController, ConsentTextController, MemberConsentController]
