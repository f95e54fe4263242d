"""Passkey rules (WebAuthn): who the relying party is, the member's user handle, the clone check."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

CHALLENGE_TTL = timedelta(minutes=3)
BROWSER_TIMEOUT_MS = 120_000  # shorter than the challenge's life, so a slow tap still finds it valid


def relying_party(public_url: str) -> tuple[str, str]:
    """(RP ID, origin): the host of the app's public address, and its scheme://host[:port]."""
    url = urlsplit(public_url)
    return url.hostname or "localhost", f"{url.scheme}://{url.netloc}"


def user_handle(secret_key: str, member_id: int) -> bytes:
    """The WebAuthn user id: stable per member (a phone keeps one passkey per member), and says nothing
    about who the member is: keyed with the app's secret, nobody can tell a member's number from it."""
    return hmac.new(secret_key.encode(), f"passkey-user:{member_id}".encode(), hashlib.sha256).digest()


def counter_went_back(stored: int, received: int) -> bool:
    """WebAuthn §6.1.1: a counter that does not grow (when either side uses one) may be a cloned key."""
    return (stored > 0 or received > 0) and received <= stored
