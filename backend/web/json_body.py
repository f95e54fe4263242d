"""The app's request class: a body that is not JSON the app can read is the caller's mistake, a 400
`invalid_json` problem, never a 500. msgspec refuses nesting deeper than Python's recursion limit with a
RecursionError, which Litestar does not catch (a bare DecodeError it turns into a generic 400)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

from digital_stampcard.errors import DomainError


class JsonSafeRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        try:
            return await super().json()
        except (SerializationException, RecursionError):
            # `from None`: the body's text is the caller's, and nothing here is worth a traceback.
            raise DomainError("invalid_json", "The request body is not valid JSON.") from None
