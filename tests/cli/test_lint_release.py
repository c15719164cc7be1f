"""The lint stage comes first in `release`: a planted clock read stops it before the slots
are read; `--skip-lint` leaves it out."""

from __future__ import annotations

from tests.support.arm_fixtures import Deployment, release, stages
from tests.support.lint_support import FIXTURES


def test_a_lint_error_stops_the_release_before_anything_is_read(deployment: Deployment) -> None:
    app = str(FIXTURES / "ddz001" / "finding")
    code, result, output = release(
        deployment, "--replay-app-dir", app, "--replay-orchestrator", "orchestrator"
    )
    assert code == 1, output
    assert stages(result) == [("lint", "failed")]
    lint = result["stages"][0]
    assert lint["counts"]["error"] == 5 and lint["findings"][0]["rule"] == "DDZ001"
    assert deployment.stand_in.calls == [] and deployment.swap_calls() == 0


def test_skip_lint_leaves_the_stage_out(deployment: Deployment) -> None:
    app = str(FIXTURES / "ddz001" / "finding")
    _, result, output = release(
        deployment, "--replay-app-dir", app, "--replay-orchestrator", "orchestrator", "--skip-lint"
    )
    # Past the lint: the check and the replay stage run (this test's staging hub has no table).
    assert stages(result)[:2] == [("check", "ok"), ("replay", "failed")], output
    assert result["failed_stage"] == "replay"
