"""Join step 2: enrich the profile. Completing it the first time grants the configured bonus once."""

from __future__ import annotations

from typing import Any

from backend import outbox
from backend.cards.programs import member_program, tier_ladder
from backend.cards.stamping import apply_stamps
from backend.cards.tiers import promote_if_earned
from backend.club.service import get_club, interest_codes
from backend.club.setup import profile_fields
from backend.club.tables import Store
from backend.context import AppContext
from backend.db import write_transaction
from backend.me.schemas import ProfileIn
from backend.members.locking import lock_member
from backend.members.tables import Member
from backend.points.actions import earn_for_action
from digital_stampcard import profile as rules
from digital_stampcard.errors import DomainError
from digital_stampcard.visits import profile_bonus_consequences


async def update_profile(ctx: AppContext, member_id: int, data: ProfileIn) -> Member:
    now = ctx.clock.now()
    club = await get_club()
    changes: dict[Any, Any] = {}
    if data.first_name is not None:
        changes[Member.first_name] = data.first_name.strip()
    if data.birthday is not None:
        rules.check_birthday(data.birthday, now.date())
        changes[Member.birthday] = data.birthday
    if data.interests is not None:
        rules.check_interests(data.interests, interest_codes(club))
        changes[Member.interests] = sorted(set(data.interests))
    if data.favourite_store_id is not None:
        if not await Store.exists().where(Store.id == data.favourite_store_id):
            raise DomainError("validation_error", "Unknown store.")
        changes[Member.favourite_store] = data.favourite_store_id
    if data.lang is not None:
        changes[Member.lang] = data.lang
    if data.profile_extra is not None:
        changes[Member.profile_extra] = rules.clean_extra(data.profile_extra, profile_fields(club))
    async with write_transaction(ctx.engine):
        before = await lock_member(ctx.engine, member_id)
        if data.birthday is not None and before is not None and before.birthday != data.birthday:
            changes[Member.birthday_set_at] = now  # no birthday reward for 30 days (`birthdays.reward_allowed`)
        if changes:
            await Member.update(changes).where(Member.id == member_id)
        member = await _member(member_id)
        complete = rules.is_complete(
            member.first_name, member.birthday, list(member.interests or []), member.favourite_store
        )
        if complete and member.profile_completed_at is None:
            # Marked complete in the same transaction as the bonus, so the bonus is granted once.
            await Member.update({Member.profile_completed_at: now}).where(Member.id == member_id)
            program = await member_program(member.favourite_store, now)
            if club.profile_bonus_stamps > 0 and program is not None:
                applied = await apply_stamps(
                    member_id,
                    program,
                    club.profile_bonus_stamps,
                    now,
                    kind="bonus",
                    reason="profile_completed",
                    allowance=None,
                )
                _, tier_gifts = await promote_if_earned(member, now, await tier_ladder(), program=program)
                effects = profile_bonus_consequences(member_id, applied.written, tuple(tier_gifts))
                await outbox.write(effects, now)
            await earn_for_action(member, "profile_completed", now)
    return await _member(member_id)


async def dismiss_prompt(ctx: AppContext, member_id: int) -> None:
    await Member.update({Member.profile_prompt_dismissed_at: ctx.clock.now()}).where(Member.id == member_id)


async def _member(member_id: int) -> Member:
    member = await Member.objects().output(load_json=True).where(Member.id == member_id).first()
    if member is None:
        raise DomainError("not_authenticated", "Log in to continue.", kind="unauthenticated")
    return member
