"""Join step 2: profile enrichment. Optional; completing it once may earn a bonus stamp."""

from __future__ import annotations

from datetime import date

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
