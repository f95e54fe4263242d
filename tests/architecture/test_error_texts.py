"""Every error the server can answer has a friendly text in both languages of the app: a member or a
cashier never sees a bare code. The codes are read from the source (every `DomainError("code", …)`
and the framework errors `backend/errors.py` names), the texts from `pwa/assets/strings/<lang>/*.js`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRINGS = ROOT / "pwa" / "assets" / "strings"
AREAS = ("member", "staff", "owner")
# Codes a caller of the API sees but the app never shows: the POS API's own, and the app's fetch
# wrapper's (it retries a CSRF failure and turns the others into its generic texts).
NOT_SHOWN_IN_THE_APP = {
    "idempotency_key_missing",  # the POS API: a machine, not a person, reads it
    "scope_missing",
    "receipt_not_found",
    "unauthenticated",
    "http_error",
    "method_not_allowed",
    "csrf",
    "api_key_invalid",
    "invalid_receipt",
    "invalid_report",  # an SMS gateway's delivery report: a machine reads it
    # Raised while the worker builds a push payload, never an answer to the app.
    "notification_data_missing",
    "notification_title_empty",
    "invalid_navigate",
}


def _domain_error_codes() -> set[str]:
    codes: set[str] = set()
    for path in [*ROOT.joinpath("backend").rglob("*.py"), *ROOT.joinpath("digital_stampcard").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "DomainError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                codes.add(node.args[0].value)
    return codes


def _framework_codes() -> set[str]:
    source = ROOT.joinpath("backend", "errors.py").read_text()
    return set(re.findall(r'problem\(\s*\d{3},\s*"([a-z_]+)"', source)) | set(re.findall(r'\d{3}: "([a-z_]+)"', source))


def strings_file(lang: str, area: str) -> dict[str, str]:
    """One strings module's keys and their source text (every entry is one line: `'key': value,`)."""
    path = STRINGS / lang / f"{area}.js"
    source = path.read_text()
    block = re.search(r"^export default \{$(.*?)^\};$", source, re.S | re.M)
    assert block, f"no `export default {{` … `}};` in {path}"
    return dict(re.findall(r"^  '([^']+)': (.*),$", block.group(1), re.M))


def _dictionary(lang: str) -> set[str]:
    keys = set().union(*(strings_file(lang, area) for area in AREAS))
    return {k for k in keys if re.fullmatch(r"(?:admin\.dash\.)?err\.[a-z_]+", k)}


def test_the_scan_finds_the_errors_it_should() -> None:
    codes = _domain_error_codes() | _framework_codes()
    assert {"daily_cap_reached", "manual_entry_cannot_redeem", "validation_error", "not_found"} <= codes
    assert len(codes) > 60


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_error_code_has_a_text(lang: str) -> None:
    texts = _dictionary(lang)
    missing = sorted(
        code
        for code in (_domain_error_codes() | _framework_codes()) - NOT_SHOWN_IN_THE_APP
        if f"err.{code}" not in texts and f"admin.dash.err.{code}" not in texts
    )
    assert not missing, f"add these to pwa/assets/strings/{lang}/member.js: " + ", ".join(f"'err.{c}'" for c in missing)


@pytest.mark.parametrize("area", AREAS)
def test_both_languages_have_the_same_keys(area: str) -> None:
    nb, en = strings_file("nb", area), strings_file("en", area)
    assert set(nb) ^ set(en) == set(), f"strings/nb/{area}.js and strings/en/{area}.js differ"
    lines = sum(1 for line in (STRINGS / "nb" / f"{area}.js").read_text().splitlines() if line.startswith("  '"))
    assert len(nb) == lines, f"a key is twice in strings/nb/{area}.js, or an entry spans lines"


def test_a_key_lives_in_one_area() -> None:
    seen: dict[str, str] = {}
    for area in AREAS:
        for key in strings_file("nb", area):
            assert key not in seen, f"{key} is in both {seen[key]} and {area}"
            seen[key] = area
    assert len(seen) > 1000
