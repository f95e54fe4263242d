"""Member identifiers (phone / e-mail), member numbers and one-time login codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from digital_stampcard import otp
from digital_stampcard.errors import DomainError
from digital_stampcard.identifiers import Identifier, MemberNumber, classify_typed, parse_identifier
from digital_stampcard.member_number import is_member_number, luhn_check_digit, make_member_number

NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)

# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["912 34 567", "91234567", "+47 912 34 567", "0047 91234567", "+4791234567", "  912 34 567  ", "912-34-567"],
)
def test_norwegian_mobile_numbers_are_stored_as_e164(raw: str) -> None:
    assert parse_identifier(raw) == Identifier("sms", "+4791234567")


def test_a_foreign_number_with_country_code_is_kept() -> None:
    identifier = parse_identifier("+46 70 123 45 67")
    assert identifier.channel == "sms"
    assert identifier.value == "+46701234567"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Kari.Nordmann@Example.NO", "kari.nordmann@example.no"),
        ("  ola@eksempel.no ", "ola@eksempel.no"),
        ("a+tag@sub.domain.com", "a+tag@sub.domain.com"),
    ],
)
def test_email_is_lowercased(raw: str, value: str) -> None:
    assert parse_identifier(raw) == Identifier("email", value)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "123",
        "",
        "   ",
        "a@b",
        "x@@y.no",
        "@example.no",
        "kari@",
        "kari nordmann@example.no",
        "kari@exa mple.no",
        "kari@-example.no",
        "9" * 300,
        "a" * 290 + "@example.no",
        "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "no",  # well-formed, but 311 characters
        "1234",  # too short to be a number
        "12345678",  # 8 digits, but not a valid Norwegian number
        "912345678",  # 9 digits: a member number, never a phone number
        "912 34 567 ext 2",
        "+47 912 34 56a",
    ],
)
def test_invalid_identifiers_are_refused(raw: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_identifier(raw)
    assert caught.value.code == "invalid_identifier"
    assert caught.value.kind == "invalid"


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_parse_identifier_only_raises_invalid_identifier(raw: str) -> None:
    try:
        identifier = parse_identifier(raw)
    except DomainError as error:
        assert error.code == "invalid_identifier"
    else:
        assert identifier.channel in {"sms", "email"}
        if identifier.channel == "sms":
            assert identifier.value.startswith("+")
            assert identifier.value[1:].isdigit()
        else:
            assert identifier.value == identifier.value.lower()


def test_the_longest_email_is_accepted() -> None:
    raw = "a" * 64 + "@" + ("b" * 61 + ".") * 3 + "b" * 3  # 254 characters
    assert len(raw) == 254
    assert parse_identifier(raw).value == raw


def test_masked_phone_hides_the_middle() -> None:
    masked = parse_identifier("912 34 567").masked()
    assert masked == "+47 *** ** 567"
    assert "91234567" not in masked
    assert "1234" not in masked


def test_masked_email_hides_the_local_part() -> None:
    masked = parse_identifier("kari.nordmann@example.no").masked()
    assert masked == "k***@example.no"
    assert "kari.nordmann" not in masked


@settings(max_examples=200)
@given(st.sampled_from("49"), st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_masked_phone_never_contains_the_number(first: str, rest: str) -> None:
    try:
        identifier = parse_identifier(first + rest)
    except DomainError:
        assume(False)
        raise
    masked = identifier.masked()
    assert identifier.value not in masked
    assert first + rest not in masked
    assert rest not in masked


@settings(max_examples=200)
@given(
    local=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=30),
    domain=st.sampled_from(["example.no", "b.no", "gmail.com", "sub.example.co.uk"]),
)
def test_masked_email_never_contains_the_address(local: str, domain: str) -> None:
    identifier = parse_identifier(f"{local}@{domain}")
    masked = identifier.masked()
    assert identifier.value not in masked
    if len(local) > 1:
        assert local not in masked.split("@")[0]


# --- member numbers ----------------------------------------------------------------------------

seeds = st.integers(min_value=10**7, max_value=10**8 - 1)


def test_luhn_check_digit_known_value() -> None:
    # The textbook example: 7992739871 has check digit 3.
    assert luhn_check_digit("7992739871") == "3"
    assert make_member_number(12345678) == "123456782"
    assert is_member_number("123456782")


@settings(max_examples=200)
@given(st.integers(1, 10**8 - 1))
def test_the_number_of_a_member_who_left_is_never_a_member_number(member_id: int) -> None:
    anonymous = f"0{member_id:08d}"  # backend/me/leaving.anonymous_number
    assert not is_member_number(anonymous)
    assert not is_member_number(anonymous[:8] + luhn_check_digit(anonymous[:8]))  # even with a good check digit


@settings(max_examples=200)
@given(seeds)
def test_member_numbers_are_nine_valid_digits(seed: int) -> None:
    number = make_member_number(seed)
    assert len(number) == 9
    assert number.isdigit()
    assert number[:8] == str(seed)
    assert is_member_number(number)


@settings(max_examples=200)
@given(seed=seeds, position=st.integers(0, 8), delta=st.integers(1, 9))
def test_any_single_digit_typo_is_caught(seed: int, position: int, delta: int) -> None:
    number = make_member_number(seed)
    wrong = str((int(number[position]) + delta) % 10)
    typo = number[:position] + wrong + number[position + 1 :]
    assert typo != number
    assert not is_member_number(typo)


@settings(max_examples=200)
@given(seed=seeds, position=st.integers(0, 7))
def test_swapped_neighbours_are_caught(seed: int, position: int) -> None:
    number = make_member_number(seed)
    a, b = number[position], number[position + 1]
    assume(a != b and {a, b} != {"0", "9"})  # Luhn's one blind spot: 09 <-> 90
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not is_member_number(swapped)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345678",
        "1234567820",
        "12345678a",
        " 12345678",
        "1234 5678",
        "²12345678",  # str.isdigit() says yes, int() says no
        "１２３４５６７８２",  # full-width digits
        "١٢٣٤٥٦٧٨٢",  # Arabic-Indic digits
        "١٢٣٤٥٦٧٨2",  # Arabic-Indic body, ASCII check digit that Luhn would accept
    ],
)
def test_non_member_numbers_are_refused(text: str) -> None:
    assert is_member_number(text) is False


@settings(max_examples=300)
@given(st.text(max_size=12))
def test_is_member_number_never_raises(text: str) -> None:
    assert isinstance(is_member_number(text), bool)


# --- one-time codes ----------------------------------------------------------------------------


def test_hash_code_is_keyed_and_bound_to_the_identifier() -> None:
    base = otp.hash_code("secret-a", "+4791234567", "123456")
    assert base == otp.hash_code("secret-a", "+4791234567", "123456")
    assert base != otp.hash_code("secret-b", "+4791234567", "123456")
    assert base != otp.hash_code("secret-a", "+4791234568", "123456")
    assert base != otp.hash_code("secret-a", "+4791234567", "123457")
    assert "123456" not in base
    assert len(base) == 64
    int(base, 16)


@settings(max_examples=200)
@given(
    secret=st.text(min_size=1, max_size=20),
    identifiers=st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=2, unique=True),
    code=st.text(alphabet="0123456789", min_size=6, max_size=6),
)
def test_hash_code_differs_per_identifier(secret: str, identifiers: list[str], code: str) -> None:
    first, second = identifiers
    assert otp.hash_code(secret, first, code) != otp.hash_code(secret, second, code)


@settings(max_examples=200)
@given(
    secrets=st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=2, unique=True),
    code=st.text(alphabet="0123456789", min_size=6, max_size=6),
)
def test_hash_code_differs_per_secret(secrets: list[str], code: str) -> None:
    first, second = secrets
    assert otp.hash_code(first, "kari@example.no", code) != otp.hash_code(second, "kari@example.no", code)


def test_code_rules_match_the_engineering_guide() -> None:
    assert timedelta(minutes=10) == otp.CODE_TTL
    assert otp.MAX_ATTEMPTS == 5


def _usable(*, expires_at: datetime, used_at: datetime | None = None, attempts: int = 0) -> str | None:
    try:
        otp.check_usable(expires_at=expires_at, used_at=used_at, attempts=attempts, now=NOW)
    except DomainError as error:
        return error.code
    return None


def test_a_fresh_code_is_usable() -> None:
    assert _usable(expires_at=NOW + otp.CODE_TTL) is None
    assert _usable(expires_at=NOW + timedelta(microseconds=1)) is None
    assert _usable(expires_at=NOW + timedelta(minutes=1), attempts=4) is None


def test_a_used_code_is_refused() -> None:
    assert _usable(expires_at=NOW + timedelta(minutes=5), used_at=NOW - timedelta(seconds=1)) == "code_used"


def test_an_expired_code_is_refused_from_the_exact_expiry() -> None:
    assert _usable(expires_at=NOW) == "code_expired"
    assert _usable(expires_at=NOW - timedelta(seconds=1)) == "code_expired"
    assert _usable(expires_at=NOW - otp.CODE_TTL) == "code_expired"


@pytest.mark.parametrize("attempts", [5, 6, 100])
def test_five_attempts_lock_the_code(attempts: int) -> None:
    assert _usable(expires_at=NOW + timedelta(minutes=5), attempts=attempts) == "too_many_attempts"
    with pytest.raises(DomainError) as caught:
        otp.check_usable(expires_at=NOW + timedelta(minutes=5), used_at=None, attempts=attempts, now=NOW)
    assert caught.value.kind == "rate_limited"


@given(st.sets(st.integers(min_value=1, max_value=10_000), max_size=8))
def test_a_new_code_retires_only_the_oldest_beyond_the_live_limit(live: set[int]) -> None:
    retired = otp.retired_by_a_new_code(live)
    kept = live - set(retired)
    assert len(kept) + 1 == min(len(live) + 1, otp.LIVE_CODES)  # with the new code: at most LIVE_CODES
    assert all(r < k for r in retired for k in kept)  # the oldest go first
    assert set(retired) <= live


def test_three_codes_stay_live() -> None:
    assert otp.LIVE_CODES == 3
    assert otp.retired_by_a_new_code([]) == [] and otp.retired_by_a_new_code([7, 4]) == []
    assert otp.retired_by_a_new_code([9, 4, 7]) == [4]


@given(st.lists(st.integers(min_value=0, max_value=otp.MAX_ATTEMPTS), max_size=otp.LIVE_CODES))
def test_the_tries_left_are_those_of_the_least_tried_live_code(attempts: list[int]) -> None:
    left = otp.attempts_left(attempts)
    assert 0 <= left <= otp.MAX_ATTEMPTS
    assert left == (otp.MAX_ATTEMPTS - min(attempts) if attempts else 0)


@pytest.mark.parametrize("code", ["123456", "000000", "999999"])
def test_valid_code_format(code: str) -> None:
    assert otp.is_valid_format(code) is True


@pytest.mark.parametrize(
    "code",
    ["", "12345", "1234567", "12345a", "123 456", " 12345", "abcdef", "12.456", "-12345", "²²²²²²", "１２３４５６"],
)
def test_invalid_code_format(code: str) -> None:
    assert otp.is_valid_format(code) is False


def test_what_the_cashier_typed_is_a_member_number_or_a_phone_or_an_email() -> None:
    number = make_member_number(12_345_678)
    assert classify_typed(number) == MemberNumber(number)
    assert classify_typed(f"{number[:3]} {number[3:6]} {number[6:]}") == MemberNumber(number)
    assert classify_typed("912 34 567") == Identifier("sms", "+4791234567")
    assert classify_typed("Kari@Example.no") == Identifier("email", "kari@example.no")
    wrong_check_digit = number[:8] + str((int(number[8]) + 1) % 10)
    for typed, hint in ((wrong_check_digit, "Check the digits"), ("hello", "scan the QR code")):
        with pytest.raises(DomainError) as err:
            classify_typed(typed)
        assert err.value.code == "member_not_found" and hint in err.value.detail
