"""The release's own bookkeeping, in process against the ARM stand-in: what a stage that
raises something nobody anticipated leaves behind."""

from __future__ import annotations

import os
from typing import Any

import pytest

from scripts.stages.arm import ARM_ENDPOINT_ENV, AppRef, open_slots
from scripts.stages.exits import Exit
from scripts.stages.gate import GateSettings
from scripts.stages.release import Release, ReleasePlan
from scripts.stages.release_report import StageName, StageStatus
from scripts.stages.target import DrainArgs
from tests.support.arm_fixtures import APP, GROUP, SUBSCRIPTION, Deployment


def _plan(**checks: Any) -> ReleasePlan:
    return ReleasePlan(
        source="staging",
        target="production",
        release_id="r-unexpected",
        functions=[],
        preview=False,
        gate=GateSettings(timeout=0, stable_for=1),
        drain=DrainArgs(None, None, None, None, None, 0, {}),
        stack=None,
        health_path="api/health",
        health_url=None,
        verify_timeout=1,
        **checks,
    )


def test_an_unexpected_error_in_a_stage_is_a_failed_stage_in_the_report(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [k for k in os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    for name, value in deployment.arm.env.items():
        monkeypatch.setenv(name, value)
    slots = open_slots(AppRef(SUBSCRIPTION, GROUP, APP), deployment.arm.env[ARM_ENDPOINT_ENV], 0)

    def a_bug(_say: Any) -> dict[str, Any]:
        settings: dict[str, str] = {}
        return {"message": settings["missing"]}

    report = Release(slots, _plan(preflight=[(StageName.LINT, a_bug)]), print).run()

    assert report.exit is Exit.CANNOT_DECIDE and report.failed is StageName.LINT
    assert [(s.name, s.status) for s in report.stages] == [(StageName.LINT, StageStatus.FAILED)]
    failed = report.stages[-1]
    assert failed.message == "unexpected KeyError: 'missing'"
    assert "--debug" in failed.detail["fix"]
    assert isinstance(report.unexpected, KeyError)
    assert report.json()["failed_stage"] == "lint" and report.json()["app"] == APP
    assert deployment.swap_calls() == 0  # nothing after the failed stage ran
