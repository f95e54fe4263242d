"""Club configuration, the printable join poster's QR, and how the PWA is served."""

from __future__ import annotations

from collections.abc import Callable

from backend.club.posters import qr_svg
from tests.api.helpers import Browser


async def test_config_lists_business_stores_and_interests(new_browser: Callable[[], Browser]) -> None:
    body = (await new_browser().get("/api/config")).json()
    assert body["business"]["name"] == "Testkaffe"
    assert [s["slug"] for s in body["stores"]] == ["sentrum", "bryggen"]
    assert {"code": "kaffe", "label_nb": "Kaffe", "label_en": "Coffee"} in body["interests"]
    assert body["qr_step_seconds"] == 30 and body["terms_version"] == "2026-11"


async def test_join_poster_qr_is_a_cached_svg_for_the_stores_join_link(new_browser: Callable[[], Browser]) -> None:
    browser = new_browser()
    response = await browser.get("/api/stores/bryggen/join-qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "max-age" in response.headers["cache-control"]
    assert response.content.lstrip().startswith(b"<?xml") and b"<path" in response.content
    qr_svg.cache_clear()
    await browser.get("/api/stores/bryggen/join-qr.svg")
    await browser.get("/api/stores/bryggen/join-qr.svg")
    info = qr_svg.cache_info()
    assert info.misses == 1 and info.hits == 1
    missing = await browser.get("/api/stores/nowhere/join-qr.svg")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    poster = await browser.get("/poster/bryggen")
    assert poster.status_code == 200 and "text/html" in poster.headers["content-type"]


async def test_pwa_shell_worker_manifest_and_vendor_files(new_browser: Callable[[], Browser]) -> None:
    browser = new_browser()
    for route in [
        "/",
        "/join",
        "/qr",
        "/staff",
        "/profile",
        "/admin",
        "/admin/campaigns/new",
        "/admin/campaigns/3",
        "/offer/3",
    ]:
        response = await browser.get(route)
        assert response.status_code == 200 and b'rel="manifest"' in response.content, route
    worker = await browser.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["cache-control"] == "no-cache"
    manifest = await browser.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["display"] == "standalone" and body["start_url"] == "/"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in body["icons"]}
    assert ("192x192", "any") in sizes and ("512x512", "any") in sizes and any(p == "maskable" for _, p in sizes)
    for url in ["/vendor/qrcode-generator/dist/qrcode.mjs", "/vendor/jsqr/dist/jsQR.js", "/assets/app.js"]:
        assert (await browser.get(url)).status_code == 200, url


async def test_openapi_schema_documents_the_api(new_browser: Callable[[], Browser]) -> None:
    schema = (await new_browser().get("/api/docs/openapi.json")).json()
    for path in ["/api/auth/otp/start", "/api/auth/otp/verify", "/api/me", "/api/staff/scans", "/api/staff/stamps"]:
        assert path in schema["paths"], path
