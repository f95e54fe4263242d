"""Signed webhooks: which events exist, the signature a receiver checks, where we may send, and when
a failed delivery is tried again.

The signature (documented for the business's web shop or POS):
`Stampcard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`. The receiver
recomputes it over the raw body, compares in constant time and refuses a `t` older than 5 minutes
(a replayed request). Each body carries an `id`; a receiver de-duplicates on it (we retry).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Literal, get_args
from urllib.parse import urlsplit

from digital_stampcard.errors import DomainError
from digital_stampcard.retries import backoff

Event = Literal["member.joined", "stamp.added", "reward.issued", "reward.redeemed", "member.left"]
EVENTS: tuple[Event, ...] = get_args(Event)
TOLERANCE_SECONDS = 300
MAX_ATTEMPTS = 13  # 30 s doubling to 6 h: about a day of trying
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 6 * 3600


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the right key over this very body, and not too old."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def check_events(events: list[str]) -> list[Event]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise DomainError(
            "webhook_events_invalid", "Pick at least one of the listed events.", field="events", unknown=unknown
        )
    return [e for e in EVENTS if e in events]


def check_url(url: str, *, allow_private: bool) -> str:
    """An https URL to a public host. Development and tests may use http and local addresses;
    production never (the server must not become a way into its own network)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise DomainError("webhook_url_invalid", "Give the full address, like https://shop.example/hooks.", field="url")
    if allow_private:
        return parts.geturl()
    if parts.scheme != "https":
        raise DomainError("webhook_url_insecure", "The address must start with https://.", field="url")
    host = parts.hostname
    if host == "localhost" or host.endswith((".local", ".internal", ".localhost")) or _private_ip(host):
        raise DomainError("webhook_url_private", "The address must be reachable on the internet.", field="url")
    return parts.geturl()


def _private_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False  # a name: resolved and checked again when sending
    return not address.is_global


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix: an IPv4 address in its last 32 bits


def is_public_address(text: str) -> bool:
    """Whether production may connect to this IP address: globally reachable and not multicast. An IPv6
    address that carries an IPv4 one (mapped, compatible, 6to4, NAT64) counts only if that one is public."""
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public_address(str(inner)):
            return False
    return address.is_global and not address.is_multicast


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if int(address) >> 32 == 0 or address in NAT64:  # ::a.b.c.d (IPv4-compatible, also :: and ::1), NAT64
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def retry_delay(attempt: int, jitter: float) -> float:
    """Seconds before retry `attempt` (1-based): 30 s doubling to at most 6 h, plus up to 20 % jitter;
    after `MAX_ATTEMPTS` the delivery is given up (about a day of trying)."""
    return backoff(attempt, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS, jitter=jitter)
