"""Staff accounts as the owner manages them: roles, the last-owner rule, one-time invite links,
usernames and passwords. Pure: no I/O, the clock is an argument.

Roles: `staff` works the till of one store; `manager` works the till too (and may later see their
store's numbers); `owner` has the back office and may or may not belong to a store.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timedelta
from typing import Literal

from digital_stampcard.errors import DomainError
from digital_stampcard.identifiers import parse_identifier

Role = Literal["staff", "manager", "owner"]
ROLES: tuple[Role, ...] = ("staff", "manager", "owner")
INVITE_TTL = timedelta(hours=72)
NAME_MAX = 120
USERNAME_MIN, USERNAME_MAX = 3, 40
PASSWORD_MIN, PASSWORD_MAX = 10, 200
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def check_role_store(role: str, store_id: int | None) -> None:
    """Till roles belong to one store; an owner may, but need not."""
    if role not in ROLES:
        raise DomainError("staff_role_unknown", "Pick staff, manager or owner.", field="role")
    if role != "owner" and store_id is None:
        raise DomainError("staff_store_missing", "Pick the store this person works in.", field="store_id")


def check_keeps_an_owner(*, target_is_active_owner: bool, active_owners: int, loses_owner: bool) -> None:
    """The club always keeps one active owner: the last one cannot be disabled or demoted."""
    if target_is_active_owner and loses_owner and active_owners <= 1:
        raise DomainError(
            "last_owner",
            "This is the only active owner. Make someone else owner first.",
            kind="conflict",
        )


def clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise DomainError("staff_name_missing", "Write the person's name.", field="name")
    if len(text) > NAME_MAX:
        raise DomainError("staff_name_too_long", f"At most {NAME_MAX} characters.", field="name", limit=NAME_MAX)
    return text


def clean_email(email: str) -> str:
    """The address the one-time link goes to (lower-cased)."""
    try:
        identifier = parse_identifier(email)
    except DomainError:
        identifier = None
    if identifier is None or identifier.channel != "email":
        raise DomainError("staff_email_invalid", "Write a valid e-mail address.", field="email")
    return identifier.value


def clean_username(username: str) -> str:
    text = username.strip().lower()
    if not USERNAME_MIN <= len(text) <= USERNAME_MAX or not _USERNAME.match(text):
        raise DomainError(
            "username_invalid",
            f"{USERNAME_MIN}–{USERNAME_MAX} characters: letters a–z, digits, dot, dash or underscore.",
            field="username",
        )
    return text


def check_password(password: str, username: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise DomainError(
            "password_too_short", f"At least {PASSWORD_MIN} characters.", field="password", limit=PASSWORD_MIN
        )
    if len(password) > PASSWORD_MAX:
        raise DomainError(
            "password_too_long", f"At most {PASSWORD_MAX} characters.", field="password", limit=PASSWORD_MAX
        )
    if password.strip().lower() == username.strip().lower():
        raise DomainError("password_is_username", "The password cannot be the username.", field="password")


INVITE_TOKEN_BYTES = 32  # 256 random bits: the link is the secret


def new_invite_token(random_bytes: bytes) -> tuple[str, str]:
    """(token for the link, its SHA-256 to store), from the caller's random bytes (the domain draws
    no randomness of its own, as `member_qr.new_device_id`)."""
    if len(random_bytes) < INVITE_TOKEN_BYTES:
        raise ValueError(f"an invite token needs {INVITE_TOKEN_BYTES} random bytes")
    token = base64.urlsafe_b64encode(random_bytes).rstrip(b"=").decode()
    return token, hash_invite_token(token)


def hash_invite_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_expires_at(now: datetime) -> datetime:
    return now + INVITE_TTL


def check_invite_usable(
    *, expires_at: datetime, used_at: datetime | None, revoked_at: datetime | None, now: datetime
) -> None:
    """A link works once, until it expires or the owner cancels it or sends a newer one."""
    if used_at is not None:
        raise DomainError("invite_used", "This link has already been used. Log in instead.", kind="gone")
    if revoked_at is not None:
        raise DomainError("invite_revoked", "This link is no longer valid. Ask the owner for a new one.", kind="gone")
    if now >= expires_at:
        raise DomainError("invite_expired", "This link has expired. Ask the owner for a new one.", kind="gone")
