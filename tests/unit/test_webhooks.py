"""Webhook rules: the signature a receiver checks, the addresses we may call, the retry schedule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard.errors import DomainError
from digital_stampcard.webhooks import MAX_ATTEMPTS, check_events, check_url, retry_delay, sign, verify

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
    ],
)
def test_production_only_calls_public_https_addresses(url: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_url(url, allow_private=False)
    assert refused.value.code == code


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
