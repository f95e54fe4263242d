"""Webhook rules: the signature a receiver checks, the addresses we may call, the retry schedule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard.errors import DomainError
from digital_stampcard.webhooks import (
    MAX_ATTEMPTS,
    check_events,
    check_url,
    is_public_address,
    retry_delay,
    sign,
    verify,
)

SECRET = "whsec_test"


@given(body=st.binary(max_size=200), at=st.integers(0, 2**32))
def test_a_signature_verifies_only_for_its_body_key_and_time(body: bytes, at: int) -> None:
    header = sign(SECRET, at, body)
    assert verify(SECRET, header, body, at + 10)
    assert not verify("whsec_other", header, body, at)
    assert not verify(SECRET, header, body + b"x", at)
    assert not verify(SECRET, header, body, at + 301)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=1", "garbage"])
def test_a_malformed_header_never_verifies(header: str) -> None:
    assert not verify(SECRET, header, b"{}", 1)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://shop.example/hooks", "webhook_url_insecure"),
        ("https://localhost/hooks", "webhook_url_private"),
        ("https://10.0.0.5/hooks", "webhook_url_private"),
        ("https://[::1]/hooks", "webhook_url_private"),
        ("https://169.254.169.254/latest", "webhook_url_private"),
        ("https://user:pw@shop.example/", "webhook_url_invalid"),
        ("shop.example/hooks", "webhook_url_invalid"),
        # Loopback and other private addresses however they are spelled (the system's resolver reads them all).
        ("https://2130706433/", "webhook_url_private"),
        ("https://0x7f000001/", "webhook_url_private"),
        ("https://localhost./", "webhook_url_private"),
        ("https://LOCALHOST/", "webhook_url_private"),
        ("https://api.localhost/", "webhook_url_private"),
        ("https://router.home.arpa/", "webhook_url_private"),
        ("https://127.1/", "webhook_url_private"),
        ("https://127.0.0.1./", "webhook_url_private"),
        ("https://0177.0.0.1/", "webhook_url_private"),
        ("https://127.0.0.01/", "webhook_url_private"),
        ("https://0/", "webhook_url_private"),
        ("https://0.0.0.0/", "webhook_url_private"),
        ("https://10.1/", "webhook_url_private"),
        ("https://[::ffff:127.0.0.1]/", "webhook_url_private"),
        ("https://[::127.0.0.1]/", "webhook_url_private"),
        ("https://[2002:7f00:1::]/", "webhook_url_private"),
        ("https://[64:ff9b::a00:1]/", "webhook_url_private"),
        ("https://[fe80::1%25eth0]/", "webhook_url_private"),
        ("https://100.64.0.1/", "webhook_url_private"),
        # Neither a name nor an address as written: no top-level domain is a number.
        ("https://134744072/", "webhook_url_invalid"),
        ("https://999.1.1.1/", "webhook_url_invalid"),
        ("https://shop.123/", "webhook_url_invalid"),
        ("https://[::1/", "webhook_url_invalid"),
        ("https://shop.example:99999/", "webhook_url_invalid"),
        ("https://./", "webhook_url_invalid"),
    ],
)
def test_production_only_calls_public_https_addresses(url: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_url(url, allow_private=False)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "url", ["https://shop.example/hooks", "https://8.8.8.8/", "https://[2606:4700::1111]/", "https://[::ffff:8.8.8.8]/"]
)
def test_public_names_and_addresses_pass(url: str) -> None:
    assert check_url(url, allow_private=False) == url


@given(a=st.integers(0, 255), b=st.integers(0, 255), c=st.integers(0, 255), d=st.integers(0, 255))
def test_any_spelling_of_an_address_is_judged_as_the_address(a: int, b: int, c: int, d: int) -> None:
    number = (a << 24) | (b << 16) | (c << 8) | d
    public = is_public_address(f"{a}.{b}.{c}.{d}")
    for spelling in (str(number), hex(number), f"{a}.{(b << 16) | (c << 8) | d}", f"0{a:o}.{b}.{c}.{d}"):
        if public:
            with pytest.raises(DomainError):  # refused too: not the way an address is written
                check_url(f"https://{spelling}/", allow_private=False)
        else:
            with pytest.raises(DomainError) as refused:
                check_url(f"https://{spelling}/", allow_private=False)
            assert refused.value.code == "webhook_url_private", spelling


def test_development_may_call_a_local_receiver() -> None:
    assert check_url("http://127.0.0.1:9000/hooks", allow_private=True) == "http://127.0.0.1:9000/hooks"
    assert check_url(" https://shop.example/hooks ", allow_private=False) == "https://shop.example/hooks"


def test_events_come_back_in_their_documented_order() -> None:
    assert check_events(["stamp.added", "member.joined"]) == ["member.joined", "stamp.added"]


def test_retries_back_off_to_a_cap_and_add_jitter() -> None:
    delays = [retry_delay(n, 0.0) for n in range(1, MAX_ATTEMPTS + 1)]
    assert delays[:3] == [30, 60, 120] and max(delays) <= 6 * 3600
    assert retry_delay(1, 0.99) <= 30 * 1.2
    assert sum(delays) > 24 * 3600  # a receiver that is down for a day still gets its events
