"""The owner's club setup (bonuses, profile fields, interests, consent texts) and the consent texts
any visitor may read."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import owner_only, provide_owner
from backend.club import consent_texts, setup
from backend.context import Actor, AppContext
from digital_stampcard.bonuses import BonusSettings


class ClubSetupController(Controller):
    path = "/api/admin/club"
    tags = ["owner", "club setup"]
    guards = [owner_only]
    dependencies = {"owner": Provide(provide_owner)}

    @get("/bonuses", operation_id="getClubBonuses")
    async def bonuses(self, ctx: NamedDependency[AppContext]) -> setup.BonusesOut:
        """Profile completion, welcome, birthday, anniversary and surprise bonuses."""
        return await setup.get_bonuses(ctx.clock.now())

    @put("/bonuses", operation_id="saveClubBonuses")
    async def put_bonuses(self, ctx: NamedDependency[AppContext], data: BonusSettings) -> setup.BonusesOut:
        """Saves every bonus setting. A reward text of "" gives the program's own reward; the surprise
        share is 0-20 % of visits."""
        return await setup.put_bonuses(ctx, data)

    @get("/profile-fields", operation_id="getProfileFields")
    async def profile_fields(self) -> setup.ProfileFieldsOut:
        return await setup.get_profile_fields()

    @put("/profile-fields", operation_id="saveProfileFields")
    async def put_profile_fields(
        self, ctx: NamedDependency[AppContext], data: setup.ProfileFieldsIn
    ) -> setup.ProfileFieldsOut:
        """The whole list of the business's own profile fields, in order (kind text, number or choice)."""
        return await setup.put_profile_fields(ctx, data)

    @get("/interests", operation_id="getInterests")
    async def interests(self) -> setup.InterestsOut:
        return await setup.get_interests()

    @put("/interests", operation_id="saveInterests")
    async def put_interests(self, ctx: NamedDependency[AppContext], data: setup.InterestsIn) -> setup.InterestsOut:
        return await setup.put_interests(ctx, data)

    @get("/consent-texts", operation_id="listConsentTextVersions")
    async def texts(self) -> consent_texts.ConsentTextsOut:
        """The current text of each purpose and every version published."""
        return await consent_texts.all_texts()

    @post("/consent-texts", status_code=201, operation_id="publishConsentText")
    async def publish(
        self, ctx: NamedDependency[AppContext], owner: NamedDependency[Actor], data: consent_texts.ConsentTextIn
    ) -> consent_texts.ConsentTextOut:
        """Publishes a new version (old versions are never edited). With `requires_reaccept`, earlier
        acceptances stop counting until each member accepts the new text."""
        return await consent_texts.publish(ctx, owner, data)


class ConsentTextController(Controller):
    path = "/api/consent-texts"
    tags = ["club"]

    @get("/", operation_id="getCurrentConsentTexts")
    async def current(self) -> list[consent_texts.ConsentTextOut]:
        """The current text of each purpose: terms, analysis, marketing_email, marketing_sms, marketing_push."""
        return await consent_texts.current_texts()
