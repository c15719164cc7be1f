"""The flake8 plugin, run through flake8 itself, reports what `durable-deploy lint` reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.stages.lint.engine import lint
from tests.helpers import ROOT
from tests.lint_support import APPS, FIXTURES


def _flake8(*paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "DDZ", *paths],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_flake8_reports_the_same_findings_as_the_command() -> None:
    run = _flake8(str(FIXTURES.relative_to(ROOT)))
    assert run.returncode == 1, run.stderr
    through_flake8 = set(run.stdout.splitlines())
    findings = [f for root in APPS for f in lint([root]).findings]
    direct = {f"{f.relative()}:{f.line}:{f.col}: {f.rule.id} {f.message}" for f in findings}
    assert through_flake8 == direct
    assert {f.rule.id for f in findings} >= {f"DDZ{n:03d}" for n in range(1, 12)}


def test_flake8_is_quiet_on_the_sample_app_and_on_files_outside_any_app() -> None:
    run = _flake8("apps/orders", "taskhub/versions.py")
    assert (run.returncode, run.stdout) == (0, ""), run.stdout + run.stderr


def test_flake8_says_when_the_app_cannot_be_linted(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text("{}")
    (tmp_path / "function_app.py").write_text(
        "import azure.durable_functions as df\nimport broken\n"
    )
    (tmp_path / "broken.py").write_text("def broken(:\n")
    run = _flake8(str(tmp_path / "function_app.py"))
    assert "DDZ000 durable-deploy lint cannot run" in run.stdout
    assert "broken.py:1:" in run.stdout
