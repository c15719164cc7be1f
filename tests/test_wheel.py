"""What `pip install durable-zero-downtime` gets: the four shipped packages and nothing that
stands in for Azure, and every shipped module imports without the dev-only packages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scripts.cli.app import DISTRIBUTION
from tests.support.checkout import ROOT, SHIPPED
from tests.support.helpers import Cli

_NOT_SOURCES = (".git", ".venv", "node_modules", "build", "*.egg-info", ".*_cache", "bench")
CHECKOUT_ONLY = ("standins", "tests", "orders", "router")


def _runtime_closure() -> set[str]:
    """The distributions `pip install durable-zero-downtime` brings (no extras), by walking
    the installed metadata's requirements from ours."""
    seen: set[str] = set()
    todo = [DISTRIBUTION]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def not_installed_without_dev() -> list[str]:
    """Top-level modules only the dev extra (or the checkout) provides."""
    runtime = _runtime_closure()
    modules = {
        module
        for module, dists in metadata.packages_distributions().items()
        if not any(canonicalize_name(d) in runtime for d in dists)
        and module.isidentifier()
        and module not in {"azure", "google"}  # namespace packages shared with runtime ones
    }
    return sorted(modules | set(CHECKOUT_ONLY))


_IMPORT_ALL = """
import importlib, importlib.abc, json, pkgutil, sys
blocked = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is not installed (dev-only)")
        return None
sys.meta_path.insert(0, Block())
failed, origins = {}, set()
for package in sys.argv[2:]:
    root = importlib.import_module(package)
    origins.add(root.__file__)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # runs the CLI or serves the pack: imported by nothing
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed[info.name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"failed": failed, "origins": sorted(origins)}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCES))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("durable_zero_downtime-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_the_shipped_packages_and_no_stand_in(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == set(SHIPPED)
    assert not [n for n in names if "stand_in" in n or "simulator" in n or "rehearsal" in n]
    assert "scripts/cli/main.py" in names and "scripts/stages/gate.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "durable-deploy = scripts.cli.main:main" in text


def test_the_dev_only_list_is_the_dev_extra() -> None:
    blocked = not_installed_without_dev()
    assert {"starlette", "uvicorn", "pytest", "hypothesis", "importlinter"} <= set(blocked)
    assert not {"azure", "pulumi", "typer", "httpx", "yaml", "cryptography"} & set(blocked)


def test_the_import_contract_forbids_every_package_of_the_dev_extra() -> None:
    """A lazy import inside a function escapes the import test below; the contract sees it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = [
        c
        for c in project["tool"]["importlinter"]["contracts"]
        if c["name"].startswith("shipped code never imports")
    ]
    installed = metadata.packages_distributions()
    dev = {
        canonicalize_name(Requirement(r).name)
        for r in project["project"]["optional-dependencies"]["dev"]
    }
    modules = {
        module
        for module, dists in installed.items()
        if module.isidentifier()
        and not module.startswith("_")
        and any(canonicalize_name(d) in dev for d in dists)
    }
    assert {"pytest", "flake8", "starlette"} <= modules  # the walk found the extra
    assert sorted(modules - set(contract["forbidden_modules"])) == []


@pytest.mark.slow
def test_every_shipped_module_imports_without_the_dev_packages(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _IMPORT_ALL,
            ",".join(not_installed_without_dev()),
            *SHIPPED,
        ],
        cwd=tmp_path,  # not the checkout: nothing but the wheel's own files to import
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["failed"] == {}
    # The wheel's copy was imported, not the checkout's editable install.
    assert all(origin.startswith(str(unpacked)) for origin in result["origins"])


@pytest.mark.slow
def test_version_prints_the_version_the_wheel_carries(wheel: Path, cli: Cli) -> None:
    carried = wheel.name.split("-")[1]
    run = cli("--version")
    assert (run.code, run.stdout.strip()) == (0, f"durable-deploy {carried}")
