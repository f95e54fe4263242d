"""Who is calling: the session cookie becomes a member or a staff actor, checked on every request."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from backend import logs
from backend.accounts.sessions import SessionInfo, load_session
from backend.context import Actor, AppContext
from backend.members.tables import Member
from backend.web.auth import client_ip, cookie_name
from digital_stampcard.errors import DomainError


class MemberAuth(msgspec.Struct):
    session: SessionInfo
    member: Member


async def current_session(request: Request[Any, Any, Any], ctx: NamedDependency[AppContext]) -> SessionInfo | None:
    if "session_info" not in request.state:
        token = request.cookies.get(cookie_name(ctx.settings))
        session = await load_session(token, ctx.clock.now()) if token else None
        if session is not None:  # every later log line of the request names who it was
            logs.bind(
                **({"member_id": session.member_id} if session.kind == "member" else {"staff_id": session.staff_id})
            )
        request.state.session_info = session
    return request.state.session_info  # type: ignore[no-any-return]


async def provide_member(request: Request[Any, Any, Any], ctx: NamedDependency[AppContext]) -> MemberAuth:
    session = await current_session(request, ctx)
    if session is None:
        raise DomainError("not_authenticated", "Log in to continue.", kind="unauthenticated")
    if session.kind != "member" or session.member_id is None:
        raise DomainError("forbidden", "This is for members.", kind="forbidden")
    member = session.member
    if member is None:
        raise DomainError("not_authenticated", "Log in to continue.", kind="unauthenticated")
    return MemberAuth(session, member)


async def provide_actor(request: Request[Any, Any, Any], ctx: NamedDependency[AppContext]) -> Actor:
    session = await current_session(request, ctx)
    if session is None:
        raise DomainError("not_authenticated", "Log in to continue.", kind="unauthenticated")
    if session.kind != "staff" or session.staff_id is None or session.staff_role is None:
        raise DomainError("forbidden", "Only store staff can do this.", kind="forbidden")
    device = f"session {session.id}: {request.headers.get('user-agent', '')}"[:120]
    return Actor(session.staff_id, session.staff_role, session.store_id, session.id, device, client_ip(request))


async def provide_owner(request: Request[Any, Any, Any], ctx: NamedDependency[AppContext]) -> Actor:
    """The owner's area: a staff session with the owner role."""
    actor = await provide_actor(request, ctx)
    if actor.role != "owner":
        raise DomainError("forbidden", "Only the owner can do this.", kind="forbidden")
    return actor


async def owner_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard for the owner's area: checked for every handler, whether or not it asks for the owner."""
    await provide_owner(connection, connection.app.state["ctx"])  # type: ignore[arg-type]
