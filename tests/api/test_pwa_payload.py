"""Issue 14 item 4: what a member's phone downloads. The service worker precaches the member's shell
only, within 100 KB as served (brotli, what Chrome gets), and the files come compressed, with
immutable cache headers on their versioned URLs."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import brotli
import httpx
import pytest

from backend.web import pwa_files
from tests.api.helpers import Browser
from tests.pwa_modules import STAFF_SCREENS, static_imports

PWA = Path(__file__).resolve().parents[2] / "pwa"
BUDGET_BYTES = 100 * 1024
CHROME = "gzip, deflate, br, zstd"  # Chrome's Accept-Encoding
IMMUTABLE = "public, max-age=31536000, immutable"
STAFF_OR_OWNER = re.compile(
    r"/views/(admin/|staff)|/(scanner|keyboard-wedge|charts|oslo-time)\.js$|/jsqr/|/(staff|owner)\.js$"
)


def worker_list(worker: str, name: str) -> list[str]:
    """A list in the served sw.js (`const SHELL = [...]`), its `${V}` filled in."""
    version = re.search(r"^const VERSION = '([0-9a-f]+)';$", worker, re.M)
    assert version, "the served worker has no version"
    start = worker.index(f"const {name} = [")
    entries = re.findall(r"['`]([^'`]+)['`]", worker[start : worker.index("];", start)])
    return [e.replace("${V}", f"/v/{version.group(1)}") for e in entries]


async def raw_get(client: httpx.AsyncClient, url: str, accept_encoding: str) -> tuple[httpx.Response, bytes]:
    """An answer and its body as it came over the wire (still compressed)."""
    async with client.stream("GET", url, headers={"Accept-Encoding": accept_encoding}) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


async def test_the_member_precache_is_within_100_kb_as_served(new_browser: Callable[[], Browser]) -> None:
    client = new_browser().client
    worker = (await client.get("/sw.js")).text
    shell = worker_list(worker, "SHELL")
    assert [u for u in shell if STAFF_OR_OWNER.search(u)] == [], "staff or owner files in the member's precache"
    total = 0
    sizes = {}
    for url in shell:
        response, body = await raw_get(client, url, CHROME)
        assert response.status_code == 200, url
        if not response.headers["content-type"].startswith("image/png"):
            assert response.headers.get("content-encoding") == "br", url
        sizes[url] = len(body)
        total += len(body)
    biggest = ", ".join(
        f"{u.rsplit('/', 1)[-1]} {s / 1024:.1f}" for u, s in sorted(sizes.items(), key=lambda x: -x[1])[:5]
    )
    assert total <= BUDGET_BYTES, f"the member precache is {total / 1024:.1f} KB as served (budget 100); {biggest}"


async def test_the_precache_lists_match_the_imports(new_browser: Callable[[], Browser]) -> None:
    """A module a member's screen imports but the worker does not precache breaks the app offline; one it
    precaches but nobody imports costs every member. The same for a till's staff list."""
    worker = (await new_browser().client.get("/sw.js")).text
    prefix = pwa_files.prefix() + "/"
    shell = {u.removeprefix(prefix) for u in worker_list(worker, "SHELL")}
    member = static_imports("assets/app.js") | {f"assets/strings/{lang}/member.js" for lang in ("nb", "en")}
    assert shell == member | {"/", "/manifest.webmanifest", "assets/styles.css", "assets/icons/icon-64.png"}

    till = static_imports(*STAFF_SCREENS) - member
    till |= {"assets/strings/nb/staff.js", "assets/strings/en/staff.js", "vendor/jsqr/dist/jsQR.js"}
    assert {u.removeprefix(prefix) for u in worker_list(worker, "STAFF")} == till
    for lazy in STAFF_SCREENS:  # lazy in app.js: never a static import of the member's shell
        assert (
            lazy not in member and f"import('./{lazy.removeprefix('assets/')}')" in (PWA / "assets/app.js").read_text()
        )


async def test_assets_are_served_compressed_by_accept_encoding(new_browser: Callable[[], Browser]) -> None:
    client = new_browser().client
    url = f"{pwa_files.prefix()}/assets/strings/nb/member.js"
    plain = (PWA / "assets/strings/nb/member.js").read_bytes()
    for accept, encoding, decode in [
        (CHROME, "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("br;q=0, gzip;q=0.5", "gzip", gzip.decompress),
        ("identity", None, bytes),
        ("", None, bytes),
    ]:
        response, body = await raw_get(client, url, accept)
        assert response.status_code == 200, accept
        assert response.headers.get("content-encoding") == encoding, accept
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers["cache-control"] == IMMUTABLE
        assert int(response.headers["content-length"]) == len(body)
        assert decode(body) == plain, accept
        if encoding:
            assert len(body) < len(plain) / 3, (accept, len(body))


async def test_versioned_urls_are_immutable_and_the_rest_revalidates(new_browser: Callable[[], Browser]) -> None:
    client = new_browser().client
    version = pwa_files.version()
    for url in [f"/v/{version}/assets/app.js", f"/v/{version}/vendor/qrcode-generator/dist/qrcode.mjs"]:
        response, _ = await raw_get(client, url, CHROME)
        assert response.status_code == 200 and response.headers["cache-control"] == IMMUTABLE, url
    css, _ = await raw_get(client, f"/v/{version}/assets/styles.css", CHROME)
    assert css.headers["content-type"] == "text/css; charset=utf-8" and css.headers["content-encoding"] == "br"
    icon, body = await raw_get(client, f"/v/{version}/assets/icons/icon-192.png", CHROME)
    assert icon.headers["content-type"] == "image/png" and "content-encoding" not in icon.headers
    assert body == (PWA / "assets/icons/icon-192.png").read_bytes()

    # The old paths (tests, the opt-out page, a page from before) and an older version's: no-cache.
    for url in ["/assets/app.js", "/vendor/jsqr/dist/jsQR.js", "/v/0123456789abcdef/assets/app.js"]:
        response, _ = await raw_get(client, url, CHROME)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-cache", url
        again = await client.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", url

    for url in ["/sw.js", "/"]:
        response, _ = await raw_get(client, url, CHROME)
        assert response.headers["cache-control"] == "no-cache" and response.headers["content-encoding"] == "br", url


@pytest.mark.parametrize(
    "url",
    ["/assets/../pyproject.toml", "/assets/%2e%2e/pyproject.toml", "/v/x/../../pyproject.toml", "/v/x/secrets/a.js",
     "/vendor/.bin/nothing", "/assets/strings", "/assets/no-such.js"],
)  # fmt: skip
async def test_nothing_outside_the_app_is_served(new_browser: Callable[[], Browser], url: str) -> None:
    assert (await new_browser().client.get(url)).status_code == 404, url


async def test_the_shell_and_worker_name_this_version(new_browser: Callable[[], Browser]) -> None:
    client = new_browser().client
    page = (await client.get("/qr")).text
    prefix = pwa_files.prefix()
    assert f'<script type="module" src="{prefix}/assets/app.js">' in page
    assert f'<link rel="stylesheet" href="{prefix}/assets/styles.css">' in page
    assert '"/assets/' not in page
    worker = await client.get("/sw.js")
    assert f"const VERSION = '{pwa_files.version()}';" in worker.text
    assert worker.headers["content-type"] == "text/javascript; charset=utf-8"
    assert worker.headers["service-worker-allowed"] == "/"
