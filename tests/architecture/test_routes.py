"""Every endpoint can be found from its URL: each URL prefix is served from one folder, and every
documented route has its own explicit operation id (grep the id to find the handler)."""

from __future__ import annotations

from collections import defaultdict

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from backend.app import create_app
from backend.settings import Settings

# The folder that owns each URL prefix; `/api/admin/<resource>` belongs to the resource's own slice.
PREFIX_HOMES = {
    "/api/me": "backend.me",
    "/api/staff": "backend.staff",
    "/api/auth": "backend.accounts",
    "/api/pos": "backend.pos",
    "/api/push": "backend.push",
    "/api/dev": "backend.messaging",
}


def _app() -> Litestar:
    settings = Settings(environment="test", database_url="sqlite:///:memory:", secret_key="t" * 40)
    return create_app(settings, run_migrations=False, start_dispatcher=False)


def _handlers() -> list[tuple[str, HTTPRouteHandler]]:
    found = []
    for route in _app().routes:
        for handler in getattr(route, "route_handlers", []):
            documented = isinstance(handler, HTTPRouteHandler) and handler.include_in_schema
            if documented and route.path.startswith("/api/") and not route.path.startswith("/api/docs"):
                found.append((route.path, handler))
    return found


def _folder(handler: HTTPRouteHandler) -> str:
    return ".".join(handler.fn.__module__.split(".")[:2])


def test_every_api_route_has_a_unique_explicit_operation_id() -> None:
    ids = [(path, handler.operation_id) for path, handler in _handlers()]
    assert ids, "no API routes found"
    missing = [path for path, op in ids if not isinstance(op, str) or not op]
    assert missing == []
    counts: dict[str, int] = defaultdict(int)
    for _, op in ids:
        counts[str(op)] += 1
    assert [op for op, n in counts.items() if n > 1] == []


def test_each_url_prefix_is_served_from_one_folder() -> None:
    homes: dict[str, set[str]] = defaultdict(set)
    for path, handler in _handlers():
        parts = path.split("/")
        prefix = "/".join(parts[:4]) if path.startswith("/api/admin/") else "/".join(parts[:3])
        homes[prefix.split(".")[0]].add(_folder(handler))
    split = {prefix: sorted(folders) for prefix, folders in homes.items() if len(folders) > 1}
    assert split == {}
    wrong = {p: sorted(homes[p]) for p, home in PREFIX_HOMES.items() if homes.get(p, {home}) != {home}}
    assert wrong == {}


def test_the_route_table_names_each_handlers_file() -> None:
    from backend.route_table import route_table

    stamp = [line.split() for line in route_table(_app()) if " /api/staff/stamps " in line]
    assert stamp == [["POST", "/api/staff/stamps", "stampMember", stamp[0][3]]]
    assert stamp[0][3].startswith("backend/staff/till_controllers.py:")
