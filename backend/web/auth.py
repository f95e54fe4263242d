"""The session cookie and the caller's address (who the cookie names is `backend.accounts.deps`)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from backend.settings import Settings


def cookie_name(settings: Settings) -> str:
    # __Host- pins the cookie to our origin over HTTPS; it cannot be used over plain http.
    return "__Host-stampcard_session" if settings.is_production else "stampcard_session"


def session_cookie(settings: Settings, token: str, max_age: int) -> Cookie:
    return Cookie(
        key=cookie_name(settings),
        value=token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
    )


def cleared_cookie(settings: Settings) -> Cookie:
    return Cookie(
        key=cookie_name(settings),
        value="",
        max_age=0,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
    )


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""
