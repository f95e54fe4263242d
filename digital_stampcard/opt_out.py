"""Opt-out links: every marketing e-mail and SMS carries one, and it works without logging in.

The token names the member, the channel and (when it came in a campaign) the campaign, signed with
the server's secret so nobody can opt someone else out. It is short because an SMS pays per
character: 16 to 24 URL-safe characters for real ids. Pure: the secret is an argument."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Literal

import msgspec

OptOutChannel = Literal["email", "sms"]
_CHANNEL_BYTES: dict[OptOutChannel, bytes] = {"email": b"e", "sms": b"s"}
_MAC_BYTES = 8  # 64 bits: a forged link would need 2**63 guesses on average, against a rate limit


class OptOut(msgspec.Struct, frozen=True):
    member_id: int
    channel: OptOutChannel
    campaign_id: int | None  # None: a triggered message (reward ready, birthday, we miss you)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while at < len(data) and shift < 63:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7
    raise ValueError("truncated number")


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), b"opt-out:" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(secret: str, opt_out: OptOut) -> str:
    if opt_out.member_id <= 0 or (opt_out.campaign_id is not None and opt_out.campaign_id <= 0):
        raise ValueError("ids are positive")
    payload = _varint(opt_out.member_id) + _CHANNEL_BYTES[opt_out.channel] + _varint(opt_out.campaign_id or 0)
    return _encode(payload + _mac(secret, payload))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read_token(secret: str, token: str) -> OptOut | None:
    """The opt-out a token stands for, or None for anything not made by `make_token` with this secret."""
    if not 12 <= len(token) <= 40:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if _encode(raw) != token:  # one spelling per token: no padding, no stray bits in the last character
            return None
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, payload)):
            return None
        member_id, at = _read_varint(payload, 0)
        channel = next(c for c, b in _CHANNEL_BYTES.items() if payload[at : at + 1] == b)
        campaign_id, end = _read_varint(payload, at + 1)
    except (ValueError, binascii.Error, StopIteration):
        return None
    if end != len(payload) or member_id <= 0:
        return None
    return OptOut(member_id, channel, campaign_id or None)
