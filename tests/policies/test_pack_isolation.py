"""The pack that answers is the one in the checkout under test, never another checkout's.

The virtualenv's editable install points `policies` and `taskhub` at one checkout; a pack
started from another directory must still run the rules beside it. A copy of the pack
with one rule broken proves which code answers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.stages.policy_check import GraphResource, PolicyAnalyzer
from tests.support.checkout import ROOT

pytestmark = pytest.mark.slow

# A clean site by every resource rule: https only, TLS 1.2, FTPS off, no hub name set.
SITE = GraphResource(
    "azure-native:web:WebApp",
    "orders",
    {
        "name": "orders",
        "kind": "functionapp",
        "httpsOnly": True,
        "siteConfig": {"ftpsState": "Disabled", "minTlsVersion": "1.2"},
    },
)
# Appended to the copy's rules: `hub-name-valid` then fires on every site, and says where
# its own module and `taskhub` were imported from.
BROKEN_RULE = """

from pathlib import Path as _Path

import taskhub as _taskhub


def hub_name_valid(resource: Resource) -> list[str]:
    return [f"from {_Path(__file__).parent.parent} and {_Path(_taskhub.__file__).parent.parent}"]
"""


def _copy_with_a_broken_rule(tmp_path: Path) -> Path:
    copy = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", "venv")
    for package in ("policies", "taskhub"):
        shutil.copytree(ROOT / package, copy / package, ignore=ignore)
    rules = copy / "policies" / "resources.py"
    rules.write_text(rules.read_text() + BROKEN_RULE)
    return copy


def test_a_pack_started_from_another_directory_runs_the_rules_beside_it(tmp_path: Path) -> None:
    copy = _copy_with_a_broken_rule(tmp_path)
    with PolicyAnalyzer(copy / "policies") as broken:
        (violation,) = broken.analyze([SITE])
    assert violation.policy == "hub-name-valid"
    assert violation.message.splitlines()[-1] == f"from {copy.resolve()} and {copy.resolve()}"
    # The checkout's own pack, the one the editable install names, finds nothing.
    with PolicyAnalyzer() as checkout:
        assert checkout.analyze([SITE]) == []


def test_a_pack_that_would_run_the_installed_rules_refuses_to_start(tmp_path: Path) -> None:
    """Started as before, its checkout not on the path: the editable install's rules."""
    pack = _copy_with_a_broken_rule(tmp_path) / "policies"
    done = subprocess.run(
        [sys.executable, "-m", "pulumi.policy", "127.0.0.1:1", str(pack)],
        cwd=pack,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout == ""  # no Analyzer port: nothing can ask these rules anything
    assert f"imported its rules from {ROOT / 'policies'}" in done.stderr
