"""requirements.lock pins the whole tree `make setup` installs, so CI and a newcomer get the
same versions: every dependency pyproject.toml declares is pinned there, at a version its
bounds (the security floors included) allow, and the venv the tests run in is the lock's."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support.checkout import ROOT

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")
# What `make lock` resolves for: Python 3.11 on Linux.
TARGET = {"python_version": "3.11", "sys_platform": "linux", "platform_system": "Linux"}


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"requirements.lock: not a pin: {line!r}"
        found[canonicalize_name(match["name"])] = Version(match["version"])
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(text) for text in texts]


def test_the_lock_pins_every_declared_dependency_within_its_bounds() -> None:
    locked = pins()
    for requirement in declared():
        if requirement.marker and not requirement.marker.evaluate(TARGET):
            continue
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is declared but not locked: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock pins {name}=={locked[name]}, outside {requirement}: run `make lock`"
        )


def test_the_venv_holds_the_locked_versions() -> None:
    """`make setup` installs from the lock; a venv built any other way fails here."""
    wrong = {
        name: (str(version), installed)
        for name, version in pins().items()
        if (installed := metadata.version(name)) != str(version)
    }
    assert wrong == {}, "run `make setup` (or `make lock` after changing pyproject.toml)"
