"""The rotating member QR: what the phone signs, the server accepts, and what it refuses."""

from __future__ import annotations

import base64
import secrets
import string
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from digital_stampcard import member_qr
from digital_stampcard.errors import DomainError
from digital_stampcard.member_qr import (
    ALPHABET,
    LAYOUT_SAFE_ALPHABET,
    SAFE_TOKEN_LENGTH,
    SKEW_STEPS,
    STEP_LENGTH,
    STEP_SECONDS,
    TOKEN_LENGTH,
    check_freshness,
    clock_offset_seconds,
    decode_public_key,
    decode_step,
    encode_step,
    first_signed,
    looks_like_token,
    new_device_id,
    parse_readings,
    parse_token,
    sign_token,
    time_step,
    verify_signature,
)

NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
STEP = time_step(NOW)
QR_ALPHANUMERIC = set(string.digits + string.ascii_uppercase + " $%*+-./:")
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
DEVICE = new_device_id(bytes(range(7)))


def raw_public_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


PUBLIC = raw_public_key(KEY)
OTHER_PUBLIC = raw_public_key(OTHER_KEY)


def sign_ds1(key: ec.EllipticCurvePrivateKey, device_id: str, step: int) -> str:
    """What the app did before DS2: phones that have not loaded the new app still show it."""
    return sign_token(key, device_id, step, version="DS1")


def accept(text: str, public_key: bytes = PUBLIC) -> member_qr.MemberToken:
    """What the server does with a scanned code before the freshness check."""
    token = parse_token(text)
    verify_signature(token, public_key)
    return token


def assert_refused(text: str, code: str = "qr_invalid", public_key: bytes = PUBLIC) -> None:
    with pytest.raises(DomainError) as caught:
        accept(text, public_key)
    assert caught.value.code == code


device_ids = st.text(alphabet=ALPHABET, min_size=10, max_size=10)
steps = st.integers(min_value=0, max_value=32**STEP_LENGTH - 1)


# --- format ------------------------------------------------------------------------------------


def test_a_ds1_token_is_123_qr_alphanumeric_characters() -> None:
    token = sign_ds1(KEY, DEVICE, STEP)
    assert len(token) == TOKEN_LENGTH == 123
    assert token.startswith("DS1")
    assert set(token) <= QR_ALPHANUMERIC
    assert set(token[3:]) <= set(ALPHABET)
    assert token == token.upper()
    assert looks_like_token(token)


@settings(max_examples=50)
@given(device_id=device_ids, step=steps)
def test_ds1_sign_parse_verify_round_trip(device_id: str, step: int) -> None:
    text = sign_ds1(KEY, device_id, step)
    assert len(text) == 123
    assert set(text[3:]) <= set(ALPHABET)
    token = accept(text)
    assert token.device_id == device_id
    assert token.step == step
    assert len(token.signature) == 64
    assert token.signed_part == text[:20]


def test_surrounding_whitespace_and_lowercase_from_a_scanner_are_tolerated() -> None:
    text = sign_token(KEY, DEVICE, STEP)
    assert accept(f"  {text}\n").step == STEP
    assert accept(text.lower()).step == STEP


def test_a_webcrypto_style_signature_is_accepted() -> None:
    """WebCrypto returns ECDSA signatures as raw r||s, each 32 bytes big-endian (zero-padded).

    Build the token by hand, as the phone does, with a signature whose r has a leading zero byte,
    so a variable-length encoding of r would show up as a wrong length.
    """
    signed_part = "DS1" + DEVICE + encode_step(STEP)
    for _ in range(5000):
        r, s = decode_dss_signature(KEY.sign(signed_part.encode("ascii"), ec.ECDSA(hashes.SHA256())))
        if r < 2**248:
            break
    else:  # pragma: no cover - 1 in 256 per try
        pytest.fail("no short r found")
    webcrypto_signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert len(webcrypto_signature) == 64
    assert webcrypto_signature[0] == 0
    text = signed_part + base64.b32encode(webcrypto_signature).decode("ascii").rstrip("=")
    assert len(text) == 123
    token = accept(text)
    assert token.signature == webcrypto_signature
    assert token.step == STEP
    assert token.device_id == DEVICE


def test_sign_token_emits_raw_r_and_s() -> None:
    text = sign_ds1(KEY, DEVICE, STEP)
    encoded = text[20:]
    raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    assert len(raw) == 64
    assert parse_token(text).signature == raw


# --- refusals ----------------------------------------------------------------------------------


def test_every_single_character_change_of_a_ds1_token_is_refused() -> None:
    """Change any character after the version, to any other Base32 character: never accepted.

    This covers the device id, the step and every character of the signature, including the last,
    whose three spare bits must not give the same token several spellings.
    """
    text = sign_ds1(KEY, DEVICE, STEP)
    accepted = []
    for index in range(3, len(text)):
        for char in ALPHABET:
            if char == text[index]:
                continue
            changed = text[:index] + char + text[index + 1 :]
            try:
                accept(changed)
            except DomainError as error:
                assert error.code == "qr_invalid"
            else:
                accepted.append((index, char))
    assert accepted == []


def test_another_devices_key_is_refused() -> None:
    assert_refused(sign_token(KEY, DEVICE, STEP), public_key=OTHER_PUBLIC)
    assert_refused(sign_token(OTHER_KEY, DEVICE, STEP))


def test_a_changed_step_is_refused() -> None:
    text = sign_ds1(KEY, DEVICE, STEP)
    forged = text[:13] + encode_step(STEP + 1) + text[20:]
    assert len(forged) == 123
    assert_refused(forged)


def test_a_signature_moved_to_another_device_is_refused() -> None:
    text = sign_ds1(KEY, DEVICE, STEP)
    other_device = new_device_id(bytes(7))
    assert other_device != DEVICE
    assert_refused("DS1" + other_device + text[13:])


@pytest.mark.parametrize("cut", [1, 2, 8])
def test_wrong_length_is_refused(cut: int) -> None:
    text = sign_token(KEY, DEVICE, STEP)
    assert_refused(text[:-cut])
    assert_refused(text + "A" * cut)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "ds1" + "x" * 120,
        "ds1" + "hello world!" * 10,
        "DS1" + "0" * 120,  # 0, 1, 8, 9 are not Base32
        "DS1" + "8" * 120,
        "DS2" + "A" * 120,  # unknown version
        "XDS1" + "A" * 119,
        "DS1" + "A" * 119 + "=",
        "DS1" + "A" * 60 + "é" + "A" * 59,
        "912345678",
    ],
)
def test_garbage_is_refused(text: str) -> None:
    assert_refused(text)


@settings(max_examples=200)
@given(
    st.text(max_size=130)
    | st.text(alphabet=string.ascii_lowercase + "234567", min_size=120, max_size=120).map(lambda s: "ds1" + s)
)
def test_random_text_is_refused_as_qr_invalid(text: str) -> None:
    assert_refused(text)


def test_an_invalid_stored_public_key_is_refused_as_qr_invalid() -> None:
    token = parse_token(sign_token(KEY, DEVICE, STEP))
    for public_key in (b"", b"\x04" + bytes(64), PUBLIC[:-1]):
        with pytest.raises(DomainError) as caught:
            verify_signature(token, public_key)
        assert caught.value.code == "qr_invalid"


# --- freshness and replay ----------------------------------------------------------------------


@pytest.mark.parametrize("skew", range(-SKEW_STEPS, SKEW_STEPS + 1))
def test_two_steps_of_clock_skew_are_accepted(skew: int) -> None:
    token = accept(sign_token(KEY, DEVICE, STEP + skew))
    check_freshness(token, NOW, None)


@pytest.mark.parametrize("skew", [-3, -4, -100, 3, 4, 100])
def test_three_steps_away_is_a_phone_clock_that_is_off(skew: int) -> None:
    token = accept(sign_token(KEY, DEVICE, STEP + skew))
    with pytest.raises(DomainError) as caught:
        check_freshness(token, NOW, None)
    assert caught.value.code == "qr_clock_off"
    assert caught.value.kind == "invalid"
    assert caught.value.extra["clock_offset_seconds"] == skew * STEP_SECONDS + 15  # NOW starts its step


def test_a_code_shown_90_seconds_ago_is_refused_for_its_time() -> None:
    shown_at = NOW - timedelta(seconds=3 * STEP_SECONDS)
    token = accept(sign_token(KEY, DEVICE, time_step(shown_at)))
    with pytest.raises(DomainError) as caught:
        check_freshness(token, NOW, None)
    assert caught.value.code == "qr_clock_off"


@pytest.mark.parametrize(
    ("phone_clock", "offset", "words"),
    [
        (timedelta(minutes=5), 300, "about 5 minutes ahead"),
        (timedelta(minutes=-5), -300, "about 5 minutes behind"),
        (timedelta(hours=3), 10800, "about 3 hours ahead"),
        (timedelta(hours=-3), -10800, "about 3 hours behind"),
    ],
)
def test_the_refusal_says_how_far_off_the_phone_clock_is(phone_clock: timedelta, offset: int, words: str) -> None:
    middle_of_a_step = NOW + timedelta(seconds=STEP_SECONDS / 2)
    token = accept(sign_token(KEY, DEVICE, time_step(middle_of_a_step + phone_clock)))
    assert clock_offset_seconds(token, middle_of_a_step) == offset
    with pytest.raises(DomainError) as caught:
        check_freshness(token, middle_of_a_step, None)
    assert caught.value.extra == {"clock_offset_seconds": offset}
    assert words in caught.value.detail


@settings(max_examples=100)
@given(st.integers(min_value=-(10**7), max_value=10**7), st.integers(min_value=0, max_value=STEP_SECONDS * 1000 - 1))
def test_a_signed_code_is_accepted_exactly_when_its_step_is_within_two_steps(skew: int, millis: int) -> None:
    now = NOW + timedelta(milliseconds=millis)
    token = accept(sign_token(KEY, DEVICE, time_step(now) + skew))
    try:
        check_freshness(token, now, None)
    except DomainError as error:
        assert error.code == "qr_clock_off" and abs(skew) > SKEW_STEPS
        assert abs(error.extra["clock_offset_seconds"] - skew * STEP_SECONDS) <= STEP_SECONDS / 2 + 1
    else:
        assert abs(skew) <= SKEW_STEPS


def test_a_used_code_stays_refused_as_used_when_it_is_also_out_of_time() -> None:
    """A used step is refused as used before its time is looked at, however late it comes back."""
    token = accept(sign_token(KEY, DEVICE, STEP))
    for later in (timedelta(0), timedelta(minutes=10), timedelta(days=1)):
        with pytest.raises(DomainError) as caught:
            check_freshness(token, NOW + later, STEP)
        assert caught.value.code == "qr_replayed"


def test_the_same_step_is_used_once() -> None:
    token = accept(sign_token(KEY, DEVICE, STEP))
    check_freshness(token, NOW, None)
    check_freshness(token, NOW, STEP - 1)
    for newest in (STEP, STEP + 1, STEP + 2):
        with pytest.raises(DomainError) as caught:
            check_freshness(token, NOW, newest)
        assert caught.value.code == "qr_replayed"
        assert caught.value.kind == "conflict"


def test_an_older_step_after_a_newer_one_is_replayed() -> None:
    older = accept(sign_token(KEY, DEVICE, STEP - 1))
    with pytest.raises(DomainError) as caught:
        check_freshness(older, NOW, STEP)
    assert caught.value.code == "qr_replayed"


def test_time_step_boundaries() -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert time_step(epoch) == 0
    assert time_step(epoch + timedelta(seconds=29, microseconds=999_999)) == 0
    assert time_step(epoch + timedelta(seconds=30)) == 1
    assert STEP_SECONDS <= 30
    assert time_step(NOW + timedelta(seconds=STEP_SECONDS)) == STEP + 1


# --- step encoding, device ids, public keys ----------------------------------------------------


@settings(max_examples=200)
@given(steps)
def test_step_encoding_round_trips(step: int) -> None:
    text = encode_step(step)
    assert len(text) == STEP_LENGTH
    assert set(text) <= set(ALPHABET)
    assert decode_step(text) == step


def test_step_encoding_covers_centuries() -> None:
    far_future = time_step(datetime(2999, 12, 31, tzinfo=UTC))
    assert decode_step(encode_step(far_future)) == far_future


@settings(max_examples=100)
@given(st.binary(min_size=7, max_size=7))
def test_device_ids_are_10_base32_characters(random_bytes: bytes) -> None:
    device_id = new_device_id(random_bytes)
    assert len(device_id) == 10
    assert set(device_id) <= set(ALPHABET)


def test_device_ids_differ() -> None:
    assert len({new_device_id(secrets.token_bytes(7)) for _ in range(200)}) == 200


def test_decode_public_key_accepts_a_raw_p256_key() -> None:
    assert decode_public_key(b64url(PUBLIC)) == PUBLIC
    assert len(PUBLIC) == 65


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "abc",
        "!!!!",
        "ø",
        b64url(b"\x04" + bytes(64)),  # not a point on the curve
        b64url(b"\x04" + b"\x01" * 64),
        b64url(PUBLIC[:-1]),
        b64url(PUBLIC + b"\x00"),
        b64url(PUBLIC[1:]),
        b64url(b"\x00"),
        b64url(secrets.token_bytes(32)),
    ],
)
def test_decode_public_key_refuses_junk(junk: str) -> None:
    with pytest.raises(DomainError) as caught:
        decode_public_key(junk)
    assert caught.value.code == "validation_error"


def test_decode_public_key_refuses_a_key_from_another_curve() -> None:
    p384 = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    with pytest.raises(DomainError) as caught:
        decode_public_key(b64url(p384))
    assert caught.value.code == "validation_error"


# --- DS2: the layout-safe alphabet -------------------------------------------------------------

# The character each layout types on a key (unshifted letter keys; digits are on Digit1..Digit0 in
# all four, French with Shift): where a key types another character, the character "moved".
LETTER_KEYS = {f"Key{c}": c for c in string.ascii_uppercase}
LAYOUTS = {
    "us": LETTER_KEYS,
    "no": LETTER_KEYS,  # Æ, Ø and Å sit on the punctuation keys
    "de": {**LETTER_KEYS, "KeyY": "Z", "KeyZ": "Y"},
    "fr": {**LETTER_KEYS, "KeyA": "Q", "KeyQ": "A", "KeyW": "Z", "KeyZ": "W", "KeyM": ",", "Semicolon": "M"},
}


def key_of(char: str, layout: str) -> str:
    if char.isdigit():
        return f"Digit{char}"
    return next(code for code, typed in LAYOUTS[layout].items() if typed == char)


def test_base32_has_letters_that_german_and_french_layouts_move() -> None:
    """Why DS2 exists: a DS1 code typed by a scanner set to German or French presses other keys."""
    moved = {c for c in ALPHABET if len({key_of(c, layout) for layout in LAYOUTS}) > 1}
    assert moved == set(member_qr.LAYOUT_MOVED_LETTERS)


def test_every_ds2_character_is_on_the_same_key_in_every_layout() -> None:
    token = sign_token(KEY, DEVICE, STEP)
    for char in set(LAYOUT_SAFE_ALPHABET) | set(token):
        keys = {layout: key_of(char, layout) for layout in LAYOUTS}
        assert len(set(keys.values())) == 1, (char, keys)
    assert not set(LAYOUT_SAFE_ALPHABET) & set(member_qr.LAYOUT_MOVED_LETTERS)
    assert len(set(LAYOUT_SAFE_ALPHABET)) == len(LAYOUT_SAFE_ALPHABET) == 30


def test_a_ds2_token_is_126_qr_alphanumeric_characters() -> None:
    token = sign_token(KEY, DEVICE, STEP)
    assert len(token) == SAFE_TOKEN_LENGTH == 126
    assert token.startswith("DS2")
    assert set(token) <= QR_ALPHANUMERIC
    assert set(token[3:]) <= set(LAYOUT_SAFE_ALPHABET)
    assert looks_like_token(token)


@settings(max_examples=50)
@given(device_id=device_ids, step=st.integers(min_value=0, max_value=30**7 - 1))
def test_ds2_sign_parse_verify_round_trip(device_id: str, step: int) -> None:
    text = sign_token(KEY, device_id, step)
    token = accept(text)
    assert token.device_id == device_id  # the id the database keeps, in Base32
    assert token.step == step
    assert token.signed_part == text[:21]
    assert token.text == text


def test_ds1_and_ds2_of_one_step_are_the_same_use() -> None:
    """Both name the same device and step, so the one-use-per-step rule covers both spellings."""
    new, old = accept(sign_token(KEY, DEVICE, STEP)), accept(sign_ds1(KEY, DEVICE, STEP))
    assert (new.device_id, new.step) == (old.device_id, old.step)
    assert new.text != old.text


def test_every_single_character_change_of_a_ds2_token_is_refused() -> None:
    text = sign_token(KEY, DEVICE, STEP)
    accepted = []
    for index in range(3, len(text)):
        for char in LAYOUT_SAFE_ALPHABET:
            if char != text[index]:
                try:
                    accept(text[:index] + char + text[index + 1 :])
                except DomainError as error:
                    assert error.code == "qr_invalid"
                else:
                    accepted.append((index, char))
    assert accepted == []


@pytest.mark.parametrize(
    "text",
    [
        "DS2" + "X" * 123,  # every field past its bound: one spelling per token
        "DS2" + "0" * 123,  # a signature of zeros
        "DS2" + "A" * 123,  # Base32 letters that are not in the alphabet
        "DS2" + "0" * 120 + "Z" * 3,
        "DS1" + "0" * 123,
    ],
)
def test_ds2_garbage_is_refused(text: str) -> None:
    assert_refused(text)


def test_a_device_number_past_50_bits_is_refused() -> None:
    text = sign_token(KEY, DEVICE, STEP)
    assert_refused("DS2" + "X" * 11 + text[14:])


# --- the readings of one handheld scan ---------------------------------------------------------


def test_of_the_readings_the_one_with_a_good_signature_wins() -> None:
    right = sign_ds1(KEY, DEVICE, STEP)
    swapped = right.translate(str.maketrans("YZ", "ZY"))  # a German scanner read by key position
    assert swapped != right
    tokens = parse_readings([swapped, "garbage", right, right.lower()])
    # In order, each once, garbage left out. Whether the swapped reading still parses as a token
    # depends on the bits of this run's (random) ECDSA signature; it never verifies.
    assert [t.text for t in tokens] in ([swapped, right], [right])
    assert first_signed(tokens, {DEVICE: PUBLIC}).text == right


def test_no_reading_with_a_good_signature_is_qr_invalid() -> None:
    with pytest.raises(DomainError) as caught:
        parse_readings(["hello", "912345678"])
    assert caught.value.code == "qr_invalid"
    tokens = parse_readings([sign_token(KEY, DEVICE, STEP)])
    for keys in ({}, {DEVICE: OTHER_PUBLIC}, {new_device_id(bytes(7)): PUBLIC}):
        with pytest.raises(DomainError) as caught:
            first_signed(tokens, keys)
        assert caught.value.code == "qr_invalid"
