"""Join step 2: profile enrichment. Optional; completing it once may earn a bonus stamp."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

import msgspec

from digital_stampcard.errors import DomainError


def is_complete(
    first_name: str | None, birthday: date | None, interests: list[str], favourite_store_id: int | None
) -> bool:
    return bool(first_name and birthday and interests and favourite_store_id)


def check_birthday(birthday: date, today: date) -> None:
    if birthday > today or birthday.year < today.year - 120:
        raise DomainError("validation_error", "Enter a real birthday.")


def check_interests(chosen: list[str], allowed: list[str]) -> None:
    unknown = sorted(set(chosen) - set(allowed))
    if unknown:
        raise DomainError("validation_error", f"Unknown interests: {', '.join(unknown)}.")


# --- the business's own profile fields and the interests list --------------------------------------

FieldKind = Literal["text", "number", "choice"]
MAX_FIELDS = 20
MAX_OPTIONS = 30
MAX_TEXT_LENGTH = 200
MAX_NUMBER = 1_000_000
_KEY = re.compile(r"[a-z][a-z0-9_]{0,29}")
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class ProfileField(msgspec.Struct, frozen=True, kw_only=True):
    """A field the business asks for, e.g. shoe size. `key` never changes: members' values hang on it."""

    key: str
    label_nb: str
    label_en: str
    kind: FieldKind = "text"
    options: list[str] = msgspec.field(default_factory=list)  # the choices of a "choice" field
    max_length: int = 60  # of a "text" field


class Interest(msgspec.Struct, frozen=True):
    code: str
    label_nb: str
    label_en: str


ExtraValue = str | int | float


def _label(text: str, field: str, at: int) -> str:
    label = " ".join(text.split())
    if not label or len(label) > 60:
        raise DomainError("validation_error", "Write a label of 1 to 60 characters.", field=f"{field}[{at}]", at=at)
    return label


def clean_fields(fields: list[ProfileField]) -> list[ProfileField]:
    """The owner's list, in the order shown to members. Removing a field hides it; members' values
    for it stay until they next save their profile."""
    if len(fields) > MAX_FIELDS:
        raise DomainError("validation_error", f"At most {MAX_FIELDS} fields.", field="fields")
    seen: set[str] = set()
    cleaned = []
    for at, f in enumerate(fields):
        if not _KEY.fullmatch(f.key) or f.key in seen:
            raise DomainError("validation_error", "Each field needs its own key.", field=f"fields[{at}]", at=at)
        seen.add(f.key)
        options: list[str] = []
        if f.kind == "choice":
            options = list(dict.fromkeys(" ".join(o.split()) for o in f.options if o.strip()))
            if not 2 <= len(options) <= MAX_OPTIONS or any(len(o) > 60 for o in options):
                raise DomainError(
                    "validation_error", "A choice needs 2 to 30 options.", field=f"fields[{at}].options", at=at
                )
        if f.kind == "text" and not 1 <= f.max_length <= MAX_TEXT_LENGTH:
            raise DomainError(
                "validation_error",
                f"Choose 1 to {MAX_TEXT_LENGTH} characters.",
                field=f"fields[{at}].max_length",
                at=at,
            )
        cleaned.append(
            ProfileField(
                key=f.key,
                label_nb=_label(f.label_nb, "fields", at),
                label_en=_label(f.label_en, "fields", at),
                kind=f.kind,
                options=options,
                max_length=f.max_length if f.kind == "text" else 0,
            )
        )
    return cleaned


def clean_interests(interests: list[Interest]) -> list[Interest]:
    """The owner's interests list. A removed interest disappears from members' choices when they next save."""
    if len(interests) > MAX_OPTIONS:
        raise DomainError("validation_error", f"At most {MAX_OPTIONS} interests.", field="interests")
    seen: set[str] = set()
    cleaned = []
    for at, i in enumerate(interests):
        if not _CODE.fullmatch(i.code) or i.code in seen:
            raise DomainError("validation_error", "Each interest needs its own code.", field=f"interests[{at}]", at=at)
        seen.add(i.code)
        cleaned.append(Interest(i.code, _label(i.label_nb, "interests", at), _label(i.label_en, "interests", at)))
    return cleaned


def clean_extra(values: dict[str, ExtraValue | None], fields: list[ProfileField]) -> dict[str, ExtraValue]:
    """A member's answers to the business's fields. Empty answers are left out; answers to fields the
    owner has removed are dropped (the member has now seen the form without them)."""
    by_key = {f.key: f for f in fields}
    cleaned: dict[str, ExtraValue] = {}
    for key, value in values.items():
        field = by_key.get(key)
        if field is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        cleaned[key] = _value(field, value)
    return cleaned


def _value(field: ProfileField, value: ExtraValue) -> ExtraValue:
    where = f"profile_extra.{field.key}"
    if field.kind == "number":
        number = _number(value)
        if number is None or not -MAX_NUMBER < number < MAX_NUMBER:
            raise DomainError("validation_error", "Enter a number.", field=where, key=field.key)
        return number
    text = " ".join(str(value).split())
    if field.kind == "choice" and text not in field.options:
        raise DomainError("validation_error", "Pick one of the options.", field=where, key=field.key)
    if field.kind == "text" and len(text) > field.max_length:
        raise DomainError(
            "validation_error",
            f"At most {field.max_length} characters.",
            field=where,
            key=field.key,
            max=field.max_length,
        )
    return text


def _number(value: ExtraValue) -> int | float | None:
    """42, 42.5 and "42,5" (a Norwegian decimal comma) are numbers; booleans and NaN are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number: int | float = value
    else:
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number) if float(number).is_integer() else number
