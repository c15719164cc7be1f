"""The `lint` stage of `release`: the new code's orchestrators, before anything else runs.

It needs no Azure access and takes well under a second, so it runs first: a release whose
orchestrator reads the clock stops before the slots are even read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.stages.exits import Exit
from scripts.stages.lint.engine import lint
from scripts.stages.lint.rules import Level
from scripts.stages.release import Say, StageFailed


def lint_stage(app_dir: Path) -> Callable[[Say], dict[str, Any]]:
    def run(say: Say) -> dict[str, Any]:
        report = lint([app_dir])
        for finding in report.findings:
            say(
                f"  {finding.relative()}:{finding.line}:{finding.col}: {finding.rule.id} "
                f"{finding.message}"
            )
        detail: dict[str, Any] = {
            "app_dir": str(app_dir),
            "counts": report.counts(),
            "findings": [f.json() for f in report.findings],
        }
        if report.failures:
            raise StageFailed(
                "; ".join(f"cannot lint {f.root}: {f.error}" for f in report.failures),
                Exit.CANNOT_DECIDE,
                detail,
            )
        errors = sum(f.rule.level is Level.ERROR for f in report.findings)
        if errors:
            raise StageFailed(
                f"{errors} error-level lint finding(s) in the orchestrator code of {app_dir}",
                Exit.NOT_YET,
                detail,
            )
        return {**detail, "message": f"orchestrator code of {app_dir} has no error finding"}

    return run
