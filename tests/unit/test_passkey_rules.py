"""The small rules around passkeys: the clone check on the signature counter, names from the user agent."""

from __future__ import annotations

import pytest

from digital_stampcard.devices import describe_user_agent
from digital_stampcard.passkeys import counter_went_back, relying_party, user_handle


@pytest.mark.parametrize(
    ("stored", "received", "refused"),
    [
        (0, 0, False),  # authenticators without a counter (e.g. synced passkeys) always send 0
        (0, 1, False),
        (5, 6, False),
        (5, 5, True),  # the same count twice: a replay or a copy
        (5, 3, True),
        (5, 0, True),  # a counter that was used, now gone
    ],
)
def test_a_counter_that_does_not_grow_is_refused(stored: int, received: int, refused: bool) -> None:
    assert counter_went_back(stored, received) is refused


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 "
            "Mobile/15E148 Safari/604.1",
            "Safari · iPhone",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 SamsungBrowser/25.0 Chrome/121.0 "
            "Mobile Safari/537.36",
            "Samsung Internet · Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge · Windows",
        ),
        ("curl/8.0", "Passkey"),
    ],
)
def test_passkeys_are_named_after_the_browser_and_system(user_agent: str, label: str) -> None:
    assert describe_user_agent(user_agent, "Passkey") == label


def test_the_relying_party_is_the_public_url() -> None:
    assert relying_party("https://klubb.kaffe.no") == ("klubb.kaffe.no", "https://klubb.kaffe.no")
    assert relying_party("http://localhost:8123") == ("localhost", "http://localhost:8123")


def test_the_user_handle_is_stable_per_member_and_says_nothing_about_them() -> None:
    secret = "k" * 40
    assert user_handle(secret, 7) == user_handle(secret, 7) != user_handle(secret, 8)
    # Keyed with the secret: nobody can tell a member's number from the handle their phone keeps.
    assert user_handle("j" * 40, 7) != user_handle(secret, 7)
    assert len(user_handle(secret, 7)) == 32
