"""Domain errors. Each has a stable `code`; the backend maps the `kind` to an HTTP status in one place."""

from __future__ import annotations

from typing import Any, Literal

ErrorKind = Literal[
    "invalid", "unauthenticated", "forbidden", "not_found", "conflict", "gone", "rate_limited", "unavailable"
]


class DomainError(Exception):
    """A business rule said no. `extra` carries machine-readable details (never secrets)."""

    kind: ErrorKind = "invalid"

    def __init__(self, code: str, detail: str, kind: ErrorKind | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if kind is not None:
            self.kind = kind
        self.extra = extra
