"""Serves the buildless PWA: the shell for every app route, a friend's referral link `/r/{code}`, the
service worker, the manifest, our assets and the pinned npm packages (never a CDN)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from litestar import Router, get
from litestar.params import FromPath
from litestar.response import File, Redirect, Response
from litestar.static_files import create_static_files_router

from digital_stampcard.referrals import normalise_code

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"
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


@lru_cache(maxsize=1)
def _shell_html() -> bytes:
    return (PWA_DIR / "index.html").read_bytes()  # read once, not on the event loop per request


def _shell() -> Response[bytes]:
    return Response(_shell_html(), media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


@get(APP_ROUTES, include_in_schema=False, sync_to_thread=False)
def shell() -> Response[bytes]:
    return _shell()


@get(ID_ROUTES, include_in_schema=False, sync_to_thread=False)
def shell_with_id(item_id: FromPath[int]) -> Response[bytes]:
    return _shell()


@get("/poster/{slug:str}", include_in_schema=False, sync_to_thread=False)
def poster_shell(slug: FromPath[str]) -> Response[bytes]:
    return _shell()  # the app draws the poster for `slug`


@get("/staff/invite/{token:str}", include_in_schema=False, sync_to_thread=False)
def invite_shell(token: FromPath[str]) -> Response[bytes]:
    return _shell()  # the app reads the one-time token from the URL


@get("/sw.js", include_in_schema=False, sync_to_thread=False)
def service_worker() -> File:
    # no-cache so a new deployment's worker is picked up at once.
    return File(
        PWA_DIR / "sw.js",
        content_disposition_type="inline",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@get("/manifest.webmanifest", include_in_schema=False, sync_to_thread=False)
def manifest() -> File:
    return File(
        PWA_DIR / "manifest.webmanifest",
        content_disposition_type="inline",
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@get("/r/{code:str}", include_in_schema=False, sync_to_thread=False)
def referral_link(code: FromPath[str]) -> Redirect:
    """A friend's link: the join page, with the code for the one-time code step to carry."""
    clean = normalise_code(code)
    return Redirect(f"/join?ref={quote(clean)}" if clean else "/join", status_code=302)


def pwa_router() -> Router:
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
            create_static_files_router(
                path="/assets", directories=[PWA_DIR / "assets"], include_in_schema=False, cache_control=None
            ),
            create_static_files_router(path="/vendor", directories=[PWA_DIR / "node_modules"], include_in_schema=False),
        ],
    )
