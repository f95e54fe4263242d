"""The PWA's files as they are served: one version of them all, each file compressed once per process.

- `version()`: a hash of every file under pwa/assets, the pinned npm packages (package-lock.json), the
  shell and the service worker. It is the prefix of the immutable URLs `/v/<version>/assets/...` and
  `/v/<version>/vendor/...`, and the service worker's cache name, so a changed file is a new URL and a
  new cache with nothing to bump by hand. Computed once: restart the server after changing pwa/.
- `encoded()`: a file's body, plus brotli and gzip when they are smaller, compressed on first use and
  kept (precompressed: a 2-core box never compresses the same file twice).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"
ROOTS = {"assets": PWA_DIR / "assets", "vendor": PWA_DIR / "node_modules"}
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {  # Litestar adds "; charset=utf-8" to text/*
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
COMPRESSIBLE = ("text/", "application/json", "application/manifest+json", "image/svg+xml")
PREFERENCE = ("br", "gzip")  # brotli is 10-25 % smaller than gzip on our JavaScript


@dataclass(frozen=True)
class Encoded:
    media_type: str
    etag: str
    bodies: dict[str, bytes]  # "identity", and "br" / "gzip" when they are smaller

    def pick(self, accept_encoding: str) -> str:
        """The smallest encoding the client takes: brotli, gzip, else the plain body."""
        accepted = _accepted(accept_encoding)
        for name in PREFERENCE:
            if name in self.bodies and accepted.get(name, accepted.get("*", 0.0)) > 0:
                return name
        return "identity"


def _accepted(header: str) -> dict[str, float]:
    accepted: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name.strip():
            accepted[name.strip().lower()] = weight
    return accepted


def compress(body: bytes) -> dict[str, bytes]:
    """Brotli at its best quality and gzip at level 9: done once per file, so the slow settings pay."""
    packed: bytes = brotli.compress(body, quality=11)
    return {"br": packed, "gzip": gzip.compress(body, 9, mtime=0)}


def encode(body: bytes, media_type: str) -> Encoded:
    bodies = {"identity": body}
    if media_type.startswith(COMPRESSIBLE) and len(body) > 256:
        bodies.update({name: packed for name, packed in compress(body).items() if len(packed) < len(body)})
    return Encoded(media_type, f'"{hashlib.sha256(body).hexdigest()[:20]}"', bodies)


def media_type_of(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@lru_cache(maxsize=1024)
def encoded(path: Path) -> Encoded:
    return encode(path.read_bytes(), media_type_of(path))


def find(root: str, rel: str) -> Path | None:
    """The file `rel` under one of ROOTS, never outside it (no `..`, no symlink out)."""
    base = ROOTS.get(root)
    if base is None:
        return None
    path = (base / rel.lstrip("/")).resolve()
    return path if path.is_relative_to(base.resolve()) and path.is_file() else None


@lru_cache(maxsize=1)
def version() -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in ROOTS["assets"].rglob("*") if p.is_file())
    for path in [*files, PWA_DIR / "package-lock.json", PWA_DIR / "index.html", PWA_DIR / "sw.js"]:
        digest.update(path.relative_to(PWA_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def prefix() -> str:
    """Where this version's files are: `/v/<version>`, followed by /assets/... or /vendor/..."""
    return f"/v/{version()}"


SW_VERSION = "const VERSION = 'dev';"  # the line in pwa/sw.js the server fills in


PRELOAD = '  <link rel="modulepreload" href="/assets/app.js">\n'  # the line in pwa/index.html that becomes them all


def shell_modules() -> list[str]:
    """The JavaScript of sw.js's SHELL, bokmål strings only (the default): preloaded by the page, so the
    browser fetches them all at once rather than import after import (time to QR, issue 14)."""
    source = (PWA_DIR / "sw.js").read_text()
    start = source.index("const SHELL = [")
    urls = re.findall(r"`\$\{V\}(/[^`]+\.m?js)`", source[start : source.index("];", start)])
    return [f"{prefix()}{url}" for url in urls if "/strings/" not in url or "/strings/nb/" in url]


@lru_cache(maxsize=1)
def shell() -> Encoded:
    """index.html with this version's URLs: the page links the immutable, precached files."""
    html = (PWA_DIR / "index.html").read_text()
    if PRELOAD not in html:
        raise RuntimeError(f"pwa/index.html has lost its `{PRELOAD.strip()}` line, which the server fills in")
    preload = "".join(f'  <link rel="modulepreload" href="{url}">\n' for url in shell_modules())
    html = html.replace(PRELOAD, preload).replace('"/assets/', f'"{prefix()}/assets/')
    return encode(html.encode(), MEDIA_TYPES[".html"])


@lru_cache(maxsize=1)
def manifest() -> Encoded:
    return encoded(PWA_DIR / "manifest.webmanifest")


@lru_cache(maxsize=1)
def service_worker() -> Encoded:
    source = (PWA_DIR / "sw.js").read_text()
    if SW_VERSION not in source:
        raise RuntimeError(f"pwa/sw.js has lost its `{SW_VERSION}` line, which the server fills in")
    return encode(source.replace(SW_VERSION, f"const VERSION = '{version()}';").encode(), MEDIA_TYPES[".js"])
