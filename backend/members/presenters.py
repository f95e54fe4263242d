"""How a member is shown to themselves: the masked address, never the whole of it."""

from __future__ import annotations

from backend.members.schemas import MemberOut
from backend.members.tables import Member
from digital_stampcard.identifiers import Identifier


def member_out(member: Member) -> MemberOut:
    identifier = Identifier("sms", member.phone) if member.phone else Identifier("email", member.email or "")
    return MemberOut(
        member_number=member.member_number,
        first_name=member.first_name,
        lang=member.lang,
        identifier_masked=identifier.masked() if identifier.value else "",
        profile_completed=member.profile_completed_at is not None,
        show_profile_prompt=member.profile_completed_at is None and member.profile_prompt_dismissed_at is None,
    )
