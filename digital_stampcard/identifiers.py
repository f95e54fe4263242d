"""Member identifiers: a phone number (stored E.164) or an e-mail address, never both."""

from __future__ import annotations

import re
from typing import Literal

import msgspec
import phonenumbers

from digital_stampcard.errors import DomainError
from digital_stampcard.member_number import is_member_number

Channel = Literal["sms", "email"]

# Deliberately modest: one @, a dot in the domain, no spaces. Real proof is the code we send.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


class Identifier(msgspec.Struct, frozen=True):
    channel: Channel
    value: str  # E.164 phone or lower-cased e-mail

    def masked(self) -> str:
        if self.channel == "email":
            local, _, domain = self.value.partition("@")
            return f"{local[:1]}***@{domain}"
        return f"{self.value[:3]} *** ** {self.value[-3:]}"


def parse_identifier(raw: str, default_region: str = "NO") -> Identifier:
    """Accepts '912 34 567', '+47 912 34 567', '0047…' or an e-mail; raises `invalid_identifier`."""
    text = (raw or "").strip()
    if len(text) > 254:
        raise _invalid()
    if "@" in text:
        if not _EMAIL.match(text):
            raise _invalid()
        local, _, domain = text.rpartition("@")
        return Identifier("email", f"{local}@{domain.lower()}".lower())
    if not re.fullmatch(r"[0-9+()\-\s.]{5,24}", text):
        raise _invalid()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise _invalid() from None
    # Codes go by SMS, so only numbers that can be mobiles are accepted (not landlines).
    mobile_types = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in mobile_types:
        raise _invalid()
    return Identifier("sms", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


class MemberNumber(msgspec.Struct, frozen=True):
    digits: str


def classify_typed(text: str) -> MemberNumber | Identifier:
    """What a cashier typed: nine digits (spaces allowed) are a member number, anything else a phone
    number or an e-mail address. Raises `member_not_found` with a hint the cashier can act on."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) == 9 and digits == text.replace(" ", ""):
        if not is_member_number(digits):
            raise DomainError("member_not_found", "No member has this number. Check the digits.", kind="not_found")
        return MemberNumber(digits)
    try:
        return parse_identifier(text)
    except DomainError:
        raise DomainError(
            "member_not_found", "Enter a member number or a phone number, or scan the QR code.", kind="not_found"
        ) from None


def _invalid() -> DomainError:
    return DomainError(
        "invalid_identifier",
        "Enter a valid mobile number (8 digits, +47 optional) or an e-mail address.",
    )
