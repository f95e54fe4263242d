"""Min side endpoints: `/api/me/sessions`, `/api/me/history`, `/api/me/rewards`, `/api/me/export` and
`/api/me/leave`."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter

from backend.accounts.deps import MemberAuth, provide_member
from backend.context import AppContext
from backend.me import leaving, my_page
from backend.me.export import everything_about
from backend.me.my_page_schemas import HistoryPage, LeaveIn, MemberSessions, MyRewards, SignedOutSessions
from backend.web.auth import cleared_cookie
from backend.web.downloads import JSON, attachment


class MyPageController(Controller):
    path = "/api/me"
    tags = ["member: min side"]
    dependencies = {"auth": Provide(provide_member)}

    @get("/sessions", operation_id="listMySessions")
    async def sessions(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> MemberSessions:
        """The phones and browsers signed in as this member, most recently used first."""
        return await my_page.sessions(auth.member.id, auth.session.id, ctx.clock.now())

    @post("/sessions/{session_id:int}/sign-out", status_code=200, operation_id="signOutMySession")
    async def sign_out_one(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], session_id: int
    ) -> SignedOutSessions:
        """Signs out one of the member's own sign-ins; its phone's member QR stops working at once."""
        return await my_page.sign_out_one(ctx, auth.member.id, session_id)

    @post("/sessions/sign-out-others", status_code=200, operation_id="signOutMyOtherSessions")
    async def sign_out_others(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]
    ) -> SignedOutSessions:
        """Signs out every other phone and browser; this one stays signed in."""
        return SignedOutSessions(await my_page.sign_out(ctx, auth.member.id, None, keep=auth.session.id))

    @post("/sessions/sign-out-all", status_code=200, operation_id="signOutEverywhere")
    async def sign_out_all(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]
    ) -> Response[SignedOutSessions]:
        """Signs out everywhere, this phone included."""
        ended = await my_page.sign_out(ctx, auth.member.id, None, keep=None)
        return Response(SignedOutSessions(ended), cookies=[cleared_cookie(ctx.settings)])

    @get("/history", operation_id="getMyHistory")
    async def history(
        self,
        auth: NamedDependency[MemberAuth],
        before: Annotated[int | None, Parameter(description="Cursor: `next_cursor` of the previous page")] = None,
    ) -> HistoryPage:
        """Every stamp, bonus, reward, redemption, undo and void with its reason, store and date."""
        return await my_page.history(auth.member.id, before)

    @get("/rewards", operation_id="getMyRewards")
    async def rewards(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> MyRewards:
        """The member's rewards: active (with expiry), used, expired and withdrawn (with the reason)."""
        return await my_page.rewards(auth.member.id, ctx.clock.now())

    @get("/export", media_type="application/json", operation_id="exportMyData")
    async def export(self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth]) -> Response[bytes]:
        """A JSON file with everything we hold about the member: profile, consents, ledger, cards,
        rewards, devices, sessions, passkeys, push subscriptions and the notifications sent."""
        now = ctx.clock.now()
        body = msgspec.json.format(msgspec.json.encode(await everything_about(auth.member, now)), indent=2)
        name = f"stampcard-mine-data-{auth.member.member_number}-{now.date().isoformat()}.json"
        return attachment(body, name, JSON)

    @post("/leave", status_code=200, operation_id="leaveClub")
    async def leave(
        self, ctx: NamedDependency[AppContext], auth: NamedDependency[MemberAuth], data: LeaveIn
    ) -> Response[None]:
        """ "Meld meg ut": erases the member's personal data at once (phone, e-mail, name, birthday,
        profile fields, devices, passkeys, sessions, push subscriptions) and cancels unredeemed
        rewards; only anonymous aggregates stay. Needs `{"confirm": true}`. Signs this phone out."""
        await leaving.leave(ctx, auth.member.id)
        return Response(None, status_code=200, cookies=[cleared_cookie(ctx.settings)])
