"""GET and POST /u/{token}: the opt-out link in every marketing e-mail and SMS, no login needed.

GET asks and changes nothing; POST (the page's button, or a mail client's RFC 8058 one-click POST with
the body `List-Unsubscribe=One-Click`) withdraws. No cookie and no CSRF token: the signed token is the
authority, and the body is not read."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Response

from backend.context import AppContext
from backend.messaging import opt_out_page, opt_outs
from backend.web.auth import client_ip


def _page(view: opt_outs.OptOutView, request: Request[Any, Any, Any]) -> Response[str]:
    status, body = opt_out_page.render(view, request.url.path)
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    if view.retry_after is not None:
        headers["Retry-After"] = str(view.retry_after)
    return Response(body, status_code=status, media_type="text/html; charset=utf-8", headers=headers)


class OptOutController(Controller):
    path = "/u"
    include_in_schema = False  # a page for people and mail clients, not part of the API
    opt = {"exclude_from_csrf": True}

    @get("/{token:str}", operation_id="showOptOut")
    async def ask(self, ctx: NamedDependency[AppContext], request: Request[Any, Any, Any], token: str) -> Response[str]:
        return _page(await opt_outs.look_up(ctx, token, client_ip(request)), request)

    @post("/{token:str}", operation_id="confirmOptOut", status_code=200)
    async def confirm(
        self, ctx: NamedDependency[AppContext], request: Request[Any, Any, Any], token: str
    ) -> Response[str]:
        return _page(await opt_outs.opt_out(ctx, token, client_ip(request)), request)
