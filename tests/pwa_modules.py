"""The PWA's module graph, read from the source: what the browser loads before a module runs."""

from __future__ import annotations

import re
from pathlib import Path

PWA = Path(__file__).resolve().parents[1] / "pwa"
# The screens app.js loads lazily, by area (their static imports are that area's code).
STAFF_SCREENS = ("assets/views/staff.js", "assets/views/staff-login.js", "assets/views/staff-invite.js")


def owner_screens() -> list[str]:
    return sorted(f"assets/views/admin/{p.name}" for p in (PWA / "assets/views/admin").glob("*.js"))


def static_imports(*entries: str) -> set[str]:
    """Every file the browser loads before running `entries` (their static imports, transitively), as
    paths under pwa/: assets/... or vendor/... (the URL's, for node_modules)."""
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        rel = _normal(todo.pop())
        if rel in seen:
            continue
        seen.add(rel)
        if rel.startswith("vendor/"):
            continue
        source = (PWA / rel).read_text()
        for spec in re.findall(r"^import [^;]*? from '([^']+)';", source, re.M):
            todo.append((Path(rel).parent / spec).as_posix() if not spec.startswith("/") else spec.lstrip("/"))
    return seen


def _normal(rel: str) -> str:
    parts: list[str] = []
    for part in rel.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)
