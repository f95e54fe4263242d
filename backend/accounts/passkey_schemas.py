"""Request and response bodies of the passkey endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec


class PasskeyRegisterIn(msgspec.Struct):
    credential: dict[str, Any]  # the PublicKeyCredential from navigator.credentials.create(), as JSON


class PasskeyLoginIn(msgspec.Struct):
    credential: dict[str, Any]  # the PublicKeyCredential from navigator.credentials.get(), as JSON
    device_public_key: Annotated[str, msgspec.Meta(max_length=200)]  # the phone's QR key, as at code login
    device_label: Annotated[str, msgspec.Meta(max_length=200)] = ""


class PasskeyOut(msgspec.Struct):
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None
