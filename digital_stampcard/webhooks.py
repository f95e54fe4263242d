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
import re
from typing import Literal, get_args
from urllib.parse import urlsplit

from digital_stampcard.errors import DomainError
from digital_stampcard.retries import backoff

Event = Literal[
    "member.joined",
    "stamp.added",
    "reward.issued",
    "reward.redeemed",
    "member.left",
    "prepaid.sold",
    "prepaid.used",
    "prepaid.undone",
    "prepaid.refunded",
    "prepaid.voided",
    "points.earned",
    "points.spent",
    "points.reversed",
]
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


# Names that never lead to the internet (RFC 6761, 6762, 8375 and common private suffixes).
RESERVED_NAMES = ("localhost", "local", "internal", "localdomain", "home.arpa")


def check_url(url: str, *, allow_private: bool) -> str:
    """An https URL to a public host. Development and tests may use http and local addresses;
    production never (the server must not become a way into its own network)."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # a port out of range is no address either
    except ValueError:  # a broken [IPv6] or port
        raise _invalid_url() from None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise _invalid_url()
    if allow_private:
        return parts.geturl()
    if parts.scheme != "https":
        raise DomainError("webhook_url_insecure", "The address must start with https://.", field="url")
    problem = _host_problem(parts.hostname.rstrip("."))  # "localhost." is localhost
    if problem == "private":
        raise DomainError("webhook_url_private", "The address must be reachable on the internet.", field="url")
    if problem == "invalid":
        raise _invalid_url()
    return parts.geturl()


def _invalid_url() -> DomainError:
    return DomainError("webhook_url_invalid", "Give the full address, like https://shop.example/hooks.", field="url")


def _host_problem(host: str) -> str | None:
    """None for a public IP address or a name (a name is resolved and checked again when sending);
    "private" for a reserved name or an address of our own network however it is spelled
    (2130706433, 0x7f000001, 127.1, 0, [::ffff:127.0.0.1]); "invalid" for what is neither."""
    if not host or any(host == n or host.endswith(f".{n}") for n in RESERVED_NAMES):
        return "private" if host else "invalid"
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = _legacy_ipv4(host)
        if address is None:
            # No top-level domain is a number: "999.1.1.1" or "0x1g" is neither a name nor an address.
            return "invalid" if ":" in host or _NUMBER.fullmatch(host.rsplit(".", 1)[-1]) else None
        # An old spelling of an IPv4 address that the system's resolver would still accept.
        return "invalid" if is_public_address(str(address)) else "private"
    return None if is_public_address(str(address)) else "private"


_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address inet_aton reads in `host`: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x),
    the last filling the remaining bytes (127.1 is 127.0.0.1, 2130706433 too). None when it is none."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    try:
        *leading, last = [_number(p) for p in parts]
    except ValueError:  # 08: not octal
        return None
    if any(v > 255 for v in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    number = last
    for i, v in enumerate(leading):
        number |= v << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def _number(part: str) -> int:
    if part.lower().startswith("0x"):
        return int(part[2:] or "0", 16)
    return int(part, 8) if len(part) > 1 and part.startswith("0") else int(part)


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
