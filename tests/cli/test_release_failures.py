"""`durable-deploy release` against what App Service really answers when a swap goes wrong:
a poll that ends in 400 with the cause, the settings lock of a pending preview, and a swap
POST that was accepted although its answer was a 5xx."""

from __future__ import annotations

import pytest

from scripts.stages.release import RELEASE_SETTING
from standins.arm import PREPARED_FOR_SWAP
from standins.host_simulator import DurableHostSimulator
from tests.support.arm_fixtures import (
    PLEASE_RETRY,
    WARM_UP_TIMED_OUT,
    WORKER_NOT_STARTED,
    Deployment,
    release,
    stages,
)
from tests.support.fake_clock import DrivenClock

# Every wait here runs on driven time (tests/support/fake_clock.py).
pytestmark = pytest.mark.usefixtures("fake_clock")

RESET = "`durable-deploy swap --slot staging --target production --action reset`"


def own(settings: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in settings.items() if k != RELEASE_SETTING}


def resets(deployment: Deployment) -> list[str]:
    return [c.path for c in deployment.stand_in.calls if c.path.endswith("/resetSlotConfig")]


@pytest.mark.parametrize(
    ("cause", "fix"),
    [
        (WARM_UP_TIMED_OUT, "answer its warm-up request"),
        (WORKER_NOT_STARTED, "make the source slot start"),
        (PLEASE_RETRY, "run the same command again"),
    ],
)
def test_a_failed_swap_prints_its_cause_and_the_fix_that_matches_it(
    deployment: Deployment, host: DurableHostSimulator, cause: str, fix: str
) -> None:
    production_before = dict(deployment.slot("production").settings)
    staging_before = dict(deployment.slot("staging").settings)
    deployment.stand_in.faults.swap_failure = cause
    code, result, output = release(deployment, "--quiesce", "StartOrder")
    assert code == 2, output
    assert result["failed_stage"] == "swap"
    swap = dict((s["stage"], s) for s in result["stages"])["swap"]
    assert cause in swap["message"]
    assert fix in swap["fix"] and fix in result["next"]
    assert "nothing was swapped" in result["next"]
    assert stages(result)[-1] == ("resume", "ok")
    # App Service reverted the source; production never restarted for the swap.
    assert deployment.slot("production").settings == production_before
    assert own(deployment.slot("staging").settings) == staging_before
    assert deployment.slot("production").content == "orders 1.0"


def test_a_failed_completion_resets_the_preview_before_resuming(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    production_before = dict(deployment.slot("production").settings)
    staging_before = dict(deployment.slot("staging").settings)
    deployment.stand_in.faults.swap_failure = WARM_UP_TIMED_OUT
    code, result, output = release(deployment, "--quiesce", "StartOrder", "--preview")
    assert code == 2, output
    by_name = {s["stage"]: s for s in result["stages"]}
    assert by_name["swap"]["preview_reset"] is True
    assert by_name["resume"]["status"] == "ok"
    assert result["next"].startswith("staging has its own slot settings again")
    assert resets(deployment) == [deployment.stand_in.calls[-3].path], (
        "reset, then resume (a list and a PUT)"
    )
    assert deployment.site.preview is None
    assert deployment.slot("production").settings == production_before
    assert own(deployment.slot("staging").settings) == staging_before


def test_a_preview_that_cannot_be_reset_lists_the_commands_in_order(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    production_before = dict(deployment.slot("production").settings)
    deployment.stand_in.faults.swap_failure = WARM_UP_TIMED_OUT
    deployment.stand_in.faults.refuse["resetSlotConfig"] = 400
    code, result, output = release(deployment, "--quiesce", "StartOrder", "--preview")
    assert code == 2, output
    assert stages(result)[-1] == ("resume", "failed")
    assert result["next"] == (
        f"in this order: 1. {RESET}; 2. `durable-deploy resume --slot production`"
    )
    assert PREPARED_FOR_SWAP in result["stages"][-1]["message"]
    deployment.stand_in.faults.refuse.clear()
    for command in (
        ["swap", "--slot", "staging", "--target", "production", "--action", "reset"],
        ["resume", "--slot", "production"],
    ):
        run = deployment.cli(command[0], *deployment.app_args(), *command[1:])
        assert run.code == 0, run.output
    assert deployment.slot("production").settings == production_before


def test_a_pending_preview_stops_the_release_with_the_commands_in_order(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    assert deployment.cli("swap", *deployment.app_args(), "--action", "preview").code == 0
    code, result, output = release(deployment, "--quiesce", "StartOrder")
    assert code == 2, output
    # The refused write may have been applied for all the release knows: it reads the
    # slot again, finds nothing quiesced and writes nothing.
    assert stages(result) == [("check", "ok"), ("quiesce", "failed"), ("resume", "ok")]
    assert result["stages"][2]["message"] == "nothing to restore"
    assert "a swap with preview is pending" in result["stages"][1]["message"]
    assert result["next"] == f"in this order: 1. {RESET}; 2. run the release again"
    assert deployment.cli("swap", *deployment.app_args(), "--action", "reset").code == 0
    code, result, output = release(deployment, "--quiesce", "StartOrder")
    assert code == 0, output


def test_a_swap_accepted_before_a_gateway_error_is_recognised_by_its_stamp(
    deployment: Deployment, host: DurableHostSimulator, fake_clock: DrivenClock
) -> None:
    """azure-core retries a POST after 500/503/504 (RetryPolicy._is_method_retryable); when
    App Service had accepted the first, the retry meets the running swap's 409."""
    deployment.stand_in.monotonic = fake_clock.monotonic  # the swap ends as the release waits
    deployment.stand_in.faults.accepted_then = 503
    deployment.stand_in.faults.swap_seconds = 2
    code, result, output = release(deployment, "--release-id", "r9")
    assert code == 0, output
    swap = {s["stage"]: s for s in result["stages"]}["swap"]
    assert swap["accepted_on_retry"]["status"] == 409
    swaps = [c for c in deployment.stand_in.calls if c.path.endswith("/slotsswap")]
    assert len(swaps) == 2 and swaps[0].body == swaps[1].body
    assert deployment.slot("production").content == "orders 2.0"
    assert deployment.slot("production").settings[RELEASE_SETTING] == "r9"


def test_a_quiesce_whose_answer_was_lost_is_resumed(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    """App Service applied the quiesce, but the answers to the write and to its one retry
    were lost: the starters are disabled in production although the release never heard
    so. The release resumes them anyway (a slot that was not quiesced would be left as is)."""
    production_before = dict(deployment.slot("production").settings)
    deployment.stand_in.faults.settings_lost = [504, 504]
    code, result, output = release(deployment, "--quiesce", "StartOrder", "--arm-retries", "1")
    assert code == 2, output
    assert result["failed_stage"] == "quiesce"
    resumed = dict((s["stage"], s) for s in result["stages"])["resume"]
    assert resumed["status"] == "ok" and resumed["message"] == "starters restored", output
    assert deployment.slot("production").settings == production_before
    assert deployment.swap_calls() == 0
