"""`stampcard routes`: every API route with its operation id and the file and line that serve it."""

from __future__ import annotations

import inspect
from pathlib import Path

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

ROOT = Path(__file__).resolve().parents[1]


def route_table(app: Litestar) -> list[str]:
    rows = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            ours = isinstance(handler, HTTPRouteHandler) and handler.include_in_schema
            if not ours or not route.path.startswith("/api/") or route.path.startswith("/api/docs"):
                continue
            fn = inspect.unwrap(handler.fn)
            where = f"{Path(inspect.getsourcefile(fn) or '?').relative_to(ROOT)}:{inspect.getsourcelines(fn)[1]}"
            for method in sorted(handler.http_methods):
                rows.append((route.path, method, str(handler.operation_id or ""), where))
    width = max(len(path) for path, *_ in rows)
    return [f"{method:7} {path:{width}}  {op:28} {where}" for path, method, op, where in sorted(rows)]
