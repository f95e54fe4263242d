"""A file the browser saves rather than shows: the owner's CSV tables, the member's own data."""

from __future__ import annotations

from litestar import Response

CSV = "text/csv; charset=utf-8"
JSON = "application/json"


def attachment(body: bytes, filename: str, media_type: str) -> Response[bytes]:
    """Never cached: every one of them holds figures or personal data as of now."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
