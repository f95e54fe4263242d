"""requirements/*.lock pin every dependency that pyproject.toml asks for, within its range and with
hashes; the image (app.lock) runs exactly the versions the tests ran (dev.lock)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def _pins(lock: str) -> dict[str, str]:
    """name -> version, after checking that each pin carries its hashes."""
    lines = (ROOT / "requirements" / lock).read_text().splitlines()
    pins: dict[str, str] = {}
    for number, line in enumerate(lines):
        if match := PIN.match(line):
            assert lines[number + 1].strip().startswith("--hash=sha256:"), f"{lock}: {line} has no hash"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _asked(group: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = project["optional-dependencies"][group] if group else project["dependencies"]
    return [Requirement(text) for text in texts]


def test_every_dependency_is_pinned_within_its_range() -> None:
    app, dev = _pins("app.lock"), _pins("dev.lock")
    for lock, pins, asked in (("app.lock", app, _asked()), ("dev.lock", dev, _asked() + _asked("dev"))):
        for requirement in asked:
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} is not in {lock}: run `make lock`"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{lock} pins {name}=={pins[name]}, outside {requirement.specifier}: run `make lock`"
            )


def test_the_image_runs_the_versions_the_tests_ran() -> None:
    app, dev = _pins("app.lock"), _pins("dev.lock")
    assert {name: dev.get(name) for name in app} == app
