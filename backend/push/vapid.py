"""The VAPID identity of this server, and signed headers cached per push-service origin."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

from backend.settings import Settings, SettingsError

HEADER_LIFETIME = 12 * 3600  # the longest exp push services accept
REFRESH_BEFORE = 3600
DEV_KEY_FILE = Path("var/vapid-private.pem")


@dataclass
class VapidIdentity:
    vapid: Vapid02
    subject: str
    application_server_key: str  # base64url raw public key, for PushManager.subscribe
    key_id: str  # stored with each subscription: a changed key means re-subscribe
    _headers: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)

    def headers_for(self, endpoint: str) -> dict[str, str]:
        """Signs once per audience (the endpoint's origin) and reuses it until close to expiry."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._headers.get(audience)
        if cached is None or cached[0] - now < REFRESH_BEFORE:
            exp = int(now) + HEADER_LIFETIME
            # A fresh dict every time: pywebpush and py_vapid mutate the claims they are given.
            signed = self.vapid.sign({"sub": self.subject, "aud": audience, "exp": exp})
            cached = (exp, {"Authorization": signed["Authorization"]})
            self._headers[audience] = cached
        return dict(cached[1])


def load_identity(settings: Settings) -> VapidIdentity | None:
    """The configured key; in development a key kept in var/; in production without a key, push is off."""
    text = settings.vapid_private_key.strip()
    if text:
        try:
            pem = text.startswith("-----BEGIN")
            vapid = Vapid02.from_pem(text.encode()) if pem else Vapid02.from_raw(text.encode())
        except ValueError:
            raise SettingsError("VAPID_PRIVATE_KEY is not a valid P-256 private key") from None
    elif settings.is_production:
        return None
    else:
        vapid = _dev_key()
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    server_key = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return VapidIdentity(vapid, settings.vapid_subject, server_key, hashlib.sha256(raw).hexdigest()[:16])


def _dev_key() -> Vapid02:
    if DEV_KEY_FILE.exists():
        return Vapid02.from_file(str(DEV_KEY_FILE))
    vapid = Vapid02()
    vapid.generate_keys()
    DEV_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    vapid.save_key(str(DEV_KEY_FILE))
    return vapid


def new_private_key() -> tuple[str, str]:
    """(private key as base64url raw, public key as base64url raw) for `stampcard vapid`."""
    vapid = Vapid02()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return (
        base64.urlsafe_b64encode(private).decode().rstrip("="),
        base64.urlsafe_b64encode(public).decode().rstrip("="),
    )
