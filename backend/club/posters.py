"""Join-poster QR codes, made on the server with `qrcode` as SVG and cached: mask selection costs
milliseconds, so a code is drawn once per URL, not per request."""

from __future__ import annotations

import io
from functools import lru_cache
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def join_url(public_url: str, store_slug: str, via: str = "poster") -> str:
    """The join page with the store as the member's source; `via=staff` when the till showed it."""
    suffix = "&via=staff" if via == "staff" else ""
    return f"{public_url.rstrip('/')}/join?store={quote(store_slug)}{suffix}"


@lru_cache(maxsize=256)
def qr_svg(text: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()
