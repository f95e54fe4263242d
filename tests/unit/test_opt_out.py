"""Opt-out tokens (`digital_stampcard.opt_out`): they carry the member, channel and campaign, only the
server's secret makes one, any change breaks it, and they stay short enough for an SMS."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard.opt_out import OptOut, make_token, read_token

SECRET = "s" * 40
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "opt_out",
    [
        OptOut(1, "email", None),
        OptOut(123456, "sms", 9999),
        OptOut(2**40, "email", 2**31),
    ],
)
def test_a_token_reads_back_as_what_it_was_made_for(opt_out: OptOut) -> None:
    assert read_token(SECRET, make_token(SECRET, opt_out)) == opt_out


@given(
    st.integers(min_value=1, max_value=2**53),
    st.sampled_from(["email", "sms"]),
    st.none() | st.integers(min_value=1, max_value=2**53),
)
def test_every_token_round_trips(member_id: int, channel: str, campaign_id: int | None) -> None:
    opt_out = OptOut(member_id, channel, campaign_id)  # type: ignore[arg-type]
    token = make_token(SECRET, opt_out)
    assert read_token(SECRET, token) == opt_out
    assert set(token) <= set(ALPHABET)


def test_each_byte_changed_breaks_the_token() -> None:
    raw = _raw(make_token(SECRET, OptOut(123456, "email", 9999)))
    for at in range(len(raw)):
        for bit in range(8):
            changed = bytearray(raw)
            changed[at] ^= 1 << bit
            assert read_token(SECRET, _encode(bytes(changed))) is None, (at, bit)


def test_each_character_changed_breaks_the_token() -> None:
    token = make_token(SECRET, OptOut(123456, "sms", None))
    for at, was in enumerate(token):
        for other in ALPHABET.replace(was, ""):
            assert read_token(SECRET, token[:at] + other + token[at + 1 :]) is None, (at, other)


def test_cut_or_lengthened_tokens_fail() -> None:
    token = make_token(SECRET, OptOut(123456, "email", 9999))
    assert read_token(SECRET, token[:-1]) is None
    assert read_token(SECRET, token + "A") is None
    assert read_token(SECRET, token + "=") is None


def test_another_secret_neither_reads_nor_makes_our_tokens() -> None:
    opt_out = OptOut(123456, "email", 9999)
    assert read_token("another-secret-" + "x" * 30, make_token(SECRET, opt_out)) is None
    assert make_token("another-secret-" + "x" * 30, opt_out) != make_token(SECRET, opt_out)


def test_realistic_ids_make_a_short_token() -> None:
    assert len(make_token(SECRET, OptOut(123456, "sms", 9999))) <= 24
    assert len(make_token(SECRET, OptOut(123456, "email", None))) <= 24


def test_ids_must_be_positive() -> None:
    with pytest.raises(ValueError):
        make_token(SECRET, OptOut(0, "email", None))
    with pytest.raises(ValueError):
        make_token(SECRET, OptOut(5, "email", 0))


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "A",
        "=" * 20,
        "æøåæøåæøåæøåæøå",
        "not a token at all",
        "A" * 16,
        "_" * 40,
        "A" * 10_000,
        "%00" * 6,
        "a b c d e f g h",
    ],
)
def test_garbage_is_none(garbage: str) -> None:
    assert read_token(SECRET, garbage) is None


@given(st.text(max_size=60))
def test_any_text_reads_as_none_without_raising(text: str) -> None:
    assert read_token(SECRET, text) is None  # a random text carrying a valid 64-bit MAC: never in practice
