"""The rotating, device-bound member QR token.

token = "DS2" + device id (11) + step (7) + signature (105): 126 characters from a 30-character
alphabet, the digits and the 20 letters that sit on the same key in US, Norwegian, German and
French keyboard layouts (no A, M, Q, W, Y or Z). Each field is a fixed-width base-30 number, most
significant digit first. So the QR code stays in alphanumeric mode, and a handheld scanner set to
any of those layouts presses the same keys for it.

The first format is still verified, because a phone that has not loaded the new app yet shows it:
token = "DS1" + device id (10) + step (7) + signature (103), 123 characters of RFC 4648 Base32.
Base32 uses A, M, Q, W, Y and Z, which German and French layouts put on other keys, so the till
sends every reading of a handheld scan and the server keeps the one whose signature holds
(`first_signed`).

Device ids stay 10 Base32 characters (50 bits) in the database; DS2 carries the same 50 bits. The
phone signs the text before the signature with a non-extractable ECDSA P-256 key; the server holds
only the public key. A step lasts 30 s. The phone signs the step of the server's time (it learns how
far its own clock is off from every API answer), and ±2 steps are accepted. Each (device, step) is
used once and never older than the newest step already used. A code that is signed right but made
for a time outside the window is refused as `qr_clock_off`, with how far off it is.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from digital_stampcard.errors import DomainError

STEP_SECONDS = 30
SKEW_STEPS = 2
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 Base32: device ids, and DS1 tokens

# DS1 (Base32), verified for phones still on the old app.
LEGACY_VERSION = "DS1"
DEVICE_ID_LENGTH = 10
STEP_LENGTH = 7
SIGNATURE_LENGTH = 103
TOKEN_LENGTH = len(LEGACY_VERSION) + DEVICE_ID_LENGTH + STEP_LENGTH + SIGNATURE_LENGTH  # 123

# DS2 (base 30 over keys that no layout moves): what the phone shows.
VERSION = "DS2"
LAYOUT_SAFE_ALPHABET = "0123456789BCDEFGHIJKLNOPRSTUVX"
LAYOUT_MOVED_LETTERS = "AMQWYZ"  # German swaps Y/Z; French swaps A/Q and W/Z and moves M
SAFE_DEVICE_LENGTH = 11  # 30**11 > 2**50
SAFE_STEP_LENGTH = 7  # 30**7 steps of 30 s: past the year 3000
SAFE_SIGNATURE_LENGTH = 105  # 30**105 > 2**512
SAFE_TOKEN_LENGTH = len(VERSION) + SAFE_DEVICE_LENGTH + SAFE_STEP_LENGTH + SAFE_SIGNATURE_LENGTH  # 126
DEVICE_ID_BITS = 5 * DEVICE_ID_LENGTH
SIGNATURE_BYTES = 64  # raw r||s

# At the till: a scan (QR or typed) lets the cashier act on the member for 5 minutes; the same till
# reading the same code again within a minute gets the same scan back; a till reads at most 120
# codes a minute, and a member can be typed in at most 6 times an hour (a typed number proves
# nothing, so guessing is kept slow). A handheld scan comes with at most 3 other readings.
SCAN_LIFETIME = timedelta(minutes=5)
RESCAN_WINDOW = timedelta(seconds=60)
QR_SCANS_PER_MINUTE = 120
MANUAL_PER_MEMBER_PER_HOUR = 6
MAX_OTHER_READINGS = 3


class MemberToken(msgspec.Struct, frozen=True):
    device_id: str  # always the 10 Base32 characters the database keeps
    step: int
    signed_part: str
    signature: bytes  # raw r||s, 64 bytes
    text: str = ""  # the token as read (upper case), whose hash finds a till's rescan

    @property
    def code_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _digits(value: int, width: int, alphabet: str) -> str:
    base = len(alphabet)
    chars = []
    for _ in range(width):
        value, digit = divmod(value, base)
        chars.append(alphabet[digit])
    return "".join(reversed(chars))


def _value(text: str, alphabet: str) -> int:
    value = 0
    for char in text:
        value = value * len(alphabet) + alphabet.index(char)
    return value


def encode_step(step: int) -> str:
    """A DS1 step: 7 Base32 digits."""
    return _digits(step, STEP_LENGTH, ALPHABET)


def decode_step(text: str) -> int:
    return _value(text, ALPHABET)


def looks_like_token(text: str) -> bool:
    return (text.startswith(VERSION) and len(text) == SAFE_TOKEN_LENGTH) or (
        text.startswith(LEGACY_VERSION) and len(text) == TOKEN_LENGTH
    )


def parse_token(text: str) -> MemberToken:
    text = text.strip().upper()
    if text.startswith(VERSION) and len(text) == SAFE_TOKEN_LENGTH:
        return _parse_safe(text)
    if text.startswith(LEGACY_VERSION) and len(text) == TOKEN_LENGTH:
        return _parse_legacy(text)
    raise qr_invalid()


def _parse_safe(text: str) -> MemberToken:
    if any(c not in LAYOUT_SAFE_ALPHABET for c in text[len(VERSION) :]):
        raise qr_invalid()
    device_end = len(VERSION) + SAFE_DEVICE_LENGTH
    signed_end = device_end + SAFE_STEP_LENGTH
    device = _value(text[len(VERSION) : device_end], LAYOUT_SAFE_ALPHABET)
    signature = _value(text[signed_end:], LAYOUT_SAFE_ALPHABET)
    # Fixed widths and these bounds give each token one spelling only.
    if device >= 2**DEVICE_ID_BITS or signature >= 2 ** (8 * SIGNATURE_BYTES):
        raise qr_invalid()
    return MemberToken(
        _digits(device, DEVICE_ID_LENGTH, ALPHABET),
        _value(text[device_end:signed_end], LAYOUT_SAFE_ALPHABET),
        text[:signed_end],
        signature.to_bytes(SIGNATURE_BYTES, "big"),
        text,
    )


def _parse_legacy(text: str) -> MemberToken:
    if any(c not in ALPHABET for c in text[len(LEGACY_VERSION) :]):
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
    if len(signature) != SIGNATURE_BYTES or base64.b32encode(signature).decode("ascii").rstrip("=") != encoded:
        raise qr_invalid()
    return MemberToken(device_id, decode_step(step_text), signed_part, signature, text)


def parse_readings(texts: Iterable[str]) -> list[MemberToken]:
    """The tokens among the readings of one scan (by key, and by key position in each layout), in
    their order and each once; qr_invalid when none is one."""
    tokens: dict[str, MemberToken] = {}
    for text in texts:
        try:
            token = parse_token(text)
        except DomainError:
            continue
        tokens.setdefault(token.text, token)
    if not tokens:
        raise qr_invalid()
    return list(tokens.values())


def first_signed(tokens: Iterable[MemberToken], public_keys: Mapping[str, bytes]) -> MemberToken:
    """The first reading whose signature holds with its device's public key (`public_keys` by device
    id, the devices not revoked); qr_invalid when none does. A wrong reading of a scan has a device
    id nobody has, or a signature that fails: ECDSA cannot be guessed by reading keys differently."""
    for token in tokens:
        key = public_keys.get(token.device_id)
        if key is None:
            continue
        try:
            verify_signature(token, key)
        except DomainError:
            continue
        return token
    raise qr_invalid()


def clock_offset_seconds(token: MemberToken, now: datetime) -> int:
    """How far ahead of `now` (negative: behind) the phone's clock was when it made this code, to
    the nearest second, from the middle of the token's step."""
    return round(token.step * STEP_SECONDS + STEP_SECONDS / 2 - now.timestamp())


def check_freshness(token: MemberToken, now: datetime, newest_used_step: int | None) -> None:
    """Refuses a step this device already used or an older one (`qr_replayed`), then a step outside
    ±SKEW_STEPS (`qr_clock_off`). Call it after `verify_signature`: only the phone can have made a
    code whose signature holds, so one outside the window was made by a phone whose clock is off (or
    shown from an old picture of the code)."""
    if newest_used_step is not None and token.step <= newest_used_step:
        raise DomainError("qr_replayed", "This QR code has already been used.", kind="conflict")
    if abs(token.step - time_step(now)) > SKEW_STEPS:
        offset = clock_offset_seconds(token, now)
        raise DomainError(
            "qr_clock_off",
            f"The phone's clock is about {_rough(abs(offset))} {'ahead' if offset > 0 else 'behind'}. "
            "Ask the member to open the app once while online, or type the member number.",
            clock_offset_seconds=offset,
        )


def _rough(seconds: int) -> str:
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    hours = round(minutes / 60)
    return f"{hours} hours"


def verify_signature(token: MemberToken, public_key_raw: bytes) -> None:
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key_raw)
        r = int.from_bytes(token.signature[:32], "big")
        s = int.from_bytes(token.signature[32:], "big")
        key.verify(encode_dss_signature(r, s), token.signed_part.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise qr_invalid() from None


def sign_token(private_key: ec.EllipticCurvePrivateKey, device_id: str, step: int, version: str = VERSION) -> str:
    """What the phone does (DS2; DS1 is what the old app did), for tests, tools and benchmarks."""
    if version == LEGACY_VERSION:
        signed_part = LEGACY_VERSION + device_id + encode_step(step)
    else:
        device = _digits(_value(device_id, ALPHABET), SAFE_DEVICE_LENGTH, LAYOUT_SAFE_ALPHABET)
        signed_part = VERSION + device + _digits(step, SAFE_STEP_LENGTH, LAYOUT_SAFE_ALPHABET)
    der = private_key.sign(signed_part.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if version == LEGACY_VERSION:
        return signed_part + base64.b32encode(raw).decode("ascii").rstrip("=")
    return signed_part + _digits(int.from_bytes(raw, "big"), SAFE_SIGNATURE_LENGTH, LAYOUT_SAFE_ALPHABET)


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
