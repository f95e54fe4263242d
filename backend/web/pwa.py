"""Serves the buildless PWA: the shell for every app route, a friend's referral link `/r/{code}`, the
service worker, the manifest, our assets and the pinned npm packages (never a CDN).

Assets and npm packages are served compressed (brotli or gzip, by Accept-Encoding) from
`/v/<version>/assets/...` and `/v/<version>/vendor/...` with an immutable cache header, and at their
old unversioned paths with `no-cache`; the shell and the worker link the versioned ones
(backend/web/pwa_files.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response

from backend.web import pwa_files
from backend.web.pwa_files import IMMUTABLE, Encoded
from digital_stampcard.referrals import normalise_code

APP_ROUTES = [
    "/",
    "/join",
    "/login",
    "/card",
    "/qr",
    "/profile",
    "/me",
    "/offline",
    "/staff",
    "/staff/login",
    "/admin",
    "/admin/dashboard",
    "/admin/campaigns",
    "/admin/audit",
    "/admin/campaigns/new",
    "/admin/integrations",
    "/admin/stores",
    "/admin/club",
    "/admin/program",
    "/admin/program/tiers",
    "/admin/stores/new",
    "/admin/staff/invite",
]
ID_ROUTES = [
    "/admin/campaigns/{item_id:int}",
    "/offer/{item_id:int}",
    "/admin/stores/{item_id:int}",
    "/admin/staff/{item_id:int}",
]  # the app reads the id from the URL


def _send(request: Request[Any, Any, Any], file: Encoded, cache_control: str) -> Response[bytes]:
    """The encoding the client takes, with what a cache must know: Vary, ETag, Cache-Control."""
    headers = {"Cache-Control": cache_control, "ETag": file.etag}
    if len(file.bodies) > 1:
        headers["Vary"] = "Accept-Encoding"
    if cache_control == "no-cache" and request.headers.get("if-none-match") == file.etag:
        return Response(b"", status_code=304, headers=headers)
    encoding = file.pick(request.headers.get("accept-encoding", ""))
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    return Response(file.bodies[encoding], media_type=file.media_type, headers=headers)


def _shell(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _send(request, pwa_files.shell(), "no-cache")


def _file(request: Request[Any, Any, Any], root: str, rel: str, cache_control: str) -> Response[bytes]:
    path = pwa_files.find(root, rel)
    if path is None:
        raise NotFoundException()
    return _send(request, pwa_files.encoded(path), cache_control)


@get("/v/{build:str}/{root:str}/{rel:path}", include_in_schema=False, sync_to_thread=True)
def versioned_file(request: Request[Any, Any, Any], build: str, root: str, rel: str) -> Response[bytes]:
    # An old page may still ask for its version's files after a deployment: it gets today's, not cached.
    return _file(request, root, rel, IMMUTABLE if build == pwa_files.version() else "no-cache")


@get("/assets/{rel:path}", include_in_schema=False, sync_to_thread=True)
def asset(request: Request[Any, Any, Any], rel: str) -> Response[bytes]:
    return _file(request, "assets", rel, "no-cache")  # unversioned: links from before, the opt-out page


@get("/vendor/{rel:path}", include_in_schema=False, sync_to_thread=True)
def vendor_file(request: Request[Any, Any, Any], rel: str) -> Response[bytes]:
    return _file(request, "vendor", rel, "no-cache")


@get(APP_ROUTES, include_in_schema=False, sync_to_thread=False)
def shell(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _shell(request)


@get(ID_ROUTES, include_in_schema=False, sync_to_thread=False)
def shell_with_id(request: Request[Any, Any, Any], item_id: FromPath[int]) -> Response[bytes]:
    return _shell(request)


@get("/poster/{slug:str}", include_in_schema=False, sync_to_thread=False)
def poster_shell(request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[bytes]:
    return _shell(request)  # the app draws the poster for `slug`


@get("/staff/invite/{token:str}", include_in_schema=False, sync_to_thread=False)
def invite_shell(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[bytes]:
    return _shell(request)  # the app reads the one-time token from the URL


@get("/sw.js", include_in_schema=False, sync_to_thread=False)
def service_worker(request: Request[Any, Any, Any]) -> Response[bytes]:
    # no-cache so a new deployment's worker is picked up at once.
    response = _send(request, pwa_files.service_worker(), "no-cache")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@get("/manifest.webmanifest", include_in_schema=False, sync_to_thread=False)
def manifest(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _send(request, pwa_files.manifest(), "no-cache")


@get("/r/{code:str}", include_in_schema=False, sync_to_thread=False)
def referral_link(code: FromPath[str]) -> Redirect:
    """A friend's link: the join page, with the code for the one-time code step to carry."""
    clean = normalise_code(code)
    return Redirect(f"/join?ref={quote(clean)}" if clean else "/join", status_code=302)


def pwa_router() -> Router:
    # Hashed and compressed here, at start, so that no request does it on the event loop.
    pwa_files.shell()
    pwa_files.manifest()
    pwa_files.service_worker()
    return Router(
        path="/",
        route_handlers=[
            shell,
            shell_with_id,
            poster_shell,
            invite_shell,
            referral_link,
            service_worker,
            manifest,
            versioned_file,
            asset,
            vendor_file,
        ],
    )
