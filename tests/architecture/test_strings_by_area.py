"""A screen never shows a bare key because its string sits in an area that is not loaded for it: every
`t('key')` in a module is in the strings its area loads (member: strings/<lang>/member.js; the till's
modules: member + staff; the owner's: all three), the area being the first whose screens import it."""

from __future__ import annotations

import re

import pytest

from tests.architecture.test_error_texts import strings_file
from tests.pwa_modules import PWA, STAFF_SCREENS, owner_screens, static_imports

SEES = {"member": ("member",), "staff": ("member", "staff"), "owner": ("member", "staff", "owner")}


def modules_by_area() -> dict[str, set[str]]:
    member = static_imports("assets/app.js")
    staff = static_imports(*STAFF_SCREENS) - member
    owner = static_imports(*owner_screens()) - member - staff
    return {"member": member, "staff": staff, "owner": owner}


def test_every_module_has_an_area() -> None:
    areas = modules_by_area()
    assert "assets/views/qr.js" in areas["member"] and "assets/scanner.js" in areas["staff"]
    assert "assets/charts.js" in areas["owner"] and "assets/views/admin/tabs.js" in areas["owner"]
    found = {m for m in areas.values() for m in m}
    modules = {p.relative_to(PWA).as_posix() for p in (PWA / "assets").rglob("*.js") if "strings" not in p.parts}
    assert modules - found == set(), "a module no screen imports"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_key_a_module_uses_is_loaded_for_it(lang: str) -> None:
    missing = []
    for area, modules in modules_by_area().items():
        visible = set().union(*(strings_file(lang, a) for a in SEES[area]))
        for module in sorted(modules):
            if module.startswith("vendor/"):
                continue
            for key in re.findall(r"\bt\('([^']+)'", (PWA / module).read_text()):
                if key not in visible:
                    missing.append(f"{module}: {key}")
    assert len(missing) == 0, "keys not in the strings loaded for their module: " + ", ".join(missing)
