"""Logging for every process: JSON lines outside development, readable lines in development, one
format for our own loggers and the libraries' (structlog renders what stdlib `logging` emits).

Each line of a request carries its request id and, once known, the member, staff or API-key id
(`backend.web.request_context` opens the request's fields; the session guards `bind` the ids). Phone numbers and
e-mail addresses are masked in every line as a last line of defence: the code never logs them, one-time
codes, tokens or secrets in the first place."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import MutableMapping
from contextvars import ContextVar, Token
from typing import Any

import structlog
from structlog.typing import Processor

from backend.settings import Settings

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w/])\+?\d[\d ]{6,14}\d(?![\w/])")  # 8 to 16 digits, spaces allowed, e.g. +47 912 34 567


# One dict per request, shared by reference: a task the request starts copies the context, yet its
# `bind` still reaches the request's access line.
_REQUEST: ContextVar[dict[str, Any] | None] = ContextVar("stampcard_request", default=None)


def open_request(request_id: str) -> Token[dict[str, Any] | None]:
    return _REQUEST.set({"request_id": request_id})


def close_request(token: Token[dict[str, Any] | None]) -> None:
    _REQUEST.reset(token)


def bind(**values: Any) -> None:
    """Adds to every later line of this request: e.g. bind(member_id=12). Outside a request, nothing."""
    fields = _REQUEST.get()
    if fields is not None:
        fields.update(values)


def _request_fields(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    fields = _REQUEST.get()
    if fields:
        for key, value in fields.items():
            event.setdefault(key, value)
    return event


def _process_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.setdefault("pid", os.getpid())  # which of several server processes (STAMPCARD_WORKERS) wrote it
    return event


def mask(text: str) -> str:
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


def _masked(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str) and key not in ("timestamp", "level", "logger"):
            event[key] = mask(value)
    return event


def configure(settings: Settings) -> None:
    """Once per process, before anything logs."""
    json_lines = settings.environment not in ("development",)
    shared: list[Any] = [
        _request_fields,
        _process_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    # JSON needs the traceback as a field; the console renderer prints it itself.
    rendering: list[Processor] = (
        [structlog.processors.format_exc_info, _masked, structlog.processors.JSONRenderer()]
        if json_lines
        else [_masked, structlog.dev.ConsoleRenderer(colors=False)]
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our own access line carries the request id
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
