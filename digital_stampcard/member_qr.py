"""The rotating, device-bound member QR token.

token = "DS1" + device_id (10) + step (7) + signature (103), all uppercase Base32, so a QR
code stays in alphanumeric mode and a keyboard-wedge scanner types it on any layout.
The phone signs "DS1"+device_id+step with a non-extractable ECDSA P-256 key; the server
holds only the public key. A step lasts 30 s; ±2 steps of clock skew are accepted, each
(device, step) is used once and never older than the newest step already used.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from digital_stampcard.errors import DomainError

VERSION = "DS1"
STEP_SECONDS = 30
SKEW_STEPS = 2
DEVICE_ID_LENGTH = 10
STEP_LENGTH = 7
SIGNATURE_LENGTH = 103
TOKEN_LENGTH = len(VERSION) + DEVICE_ID_LENGTH + STEP_LENGTH + SIGNATURE_LENGTH
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

# At the till: a scan (QR or typed) lets the cashier act on the member for 5 minutes; the same till
# reading the same code again within a minute gets the same scan back; a till reads at most 120
# codes a minute, and a member can be typed in at most 6 times an hour (a typed number proves
# nothing, so guessing is kept slow).
SCAN_LIFETIME = timedelta(minutes=5)
RESCAN_WINDOW = timedelta(seconds=60)
QR_SCANS_PER_MINUTE = 120
MANUAL_PER_MEMBER_PER_HOUR = 6


class MemberToken(msgspec.Struct, frozen=True):
    device_id: str
    step: int
    signed_part: str
    signature: bytes  # raw r||s, 64 bytes


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def encode_step(step: int) -> str:
    chars = []
    for _ in range(STEP_LENGTH):
        chars.append(ALPHABET[step & 31])
        step >>= 5
    return "".join(reversed(chars))


def decode_step(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + ALPHABET.index(char)
    return value


def looks_like_token(text: str) -> bool:
    return text.startswith(VERSION) and len(text) == TOKEN_LENGTH


def parse_token(text: str) -> MemberToken:
    text = text.strip().upper()
    if not looks_like_token(text) or any(c not in ALPHABET for c in text[len(VERSION) :]):
        raise qr_invalid()
    device_id = text[3 : 3 + DEVICE_ID_LENGTH]
    step_text = text[3 + DEVICE_ID_LENGTH : 3 + DEVICE_ID_LENGTH + STEP_LENGTH]
    signed_part = text[: 3 + DEVICE_ID_LENGTH + STEP_LENGTH]
    try:
        encoded = text[len(signed_part) :]
        signature = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except ValueError:
        raise qr_invalid() from None
    # The last Base32 character carries 3 spare bits: insist on the canonical spelling, so one
    # signature cannot be written 8 ways (each would be a different code text to the server).
    if len(signature) != 64 or base64.b32encode(signature).decode("ascii").rstrip("=") != encoded:
        raise qr_invalid()
    return MemberToken(device_id, decode_step(step_text), signed_part, signature)


def check_freshness(token: MemberToken, now: datetime, newest_used_step: int | None) -> None:
    """Refuses a token outside ±SKEW_STEPS, or not newer than a step this device already used."""
    current = time_step(now)
    if abs(token.step - current) > SKEW_STEPS:
        raise DomainError("qr_expired", "This QR code has expired. Ask the member to open the card again.")
    if newest_used_step is not None and token.step <= newest_used_step:
        raise DomainError("qr_replayed", "This QR code has already been used.", kind="conflict")


def verify_signature(token: MemberToken, public_key_raw: bytes) -> None:
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key_raw)
        r = int.from_bytes(token.signature[:32], "big")
        s = int.from_bytes(token.signature[32:], "big")
        key.verify(encode_dss_signature(r, s), token.signed_part.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise qr_invalid() from None


def sign_token(private_key: ec.EllipticCurvePrivateKey, device_id: str, step: int) -> str:
    """What the phone does, for tests, tools and benchmarks."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    signed_part = VERSION + device_id + encode_step(step)
    der = private_key.sign(signed_part.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return signed_part + base64.b32encode(raw).decode("ascii").rstrip("=")


def new_device_id(random_bytes: bytes) -> str:
    """10 Base32 characters from 50 random bits (the caller passes `secrets.token_bytes(7)`)."""
    return base64.b32encode(random_bytes).decode("ascii")[:DEVICE_ID_LENGTH]


def decode_public_key(b64url: str) -> bytes:
    """The phone sends its raw uncompressed P-256 public key (65 bytes) as base64url."""
    try:
        raw = base64.urlsafe_b64decode(b64url + "=" * (-len(b64url) % 4))
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, TypeError):
        raise DomainError("validation_error", "The device key is not a valid P-256 public key.") from None
    return raw


def qr_invalid() -> DomainError:
    return DomainError("qr_invalid", "This is not a valid member QR code.")
