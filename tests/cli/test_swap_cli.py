"""`swap`, `quiesce` and `resume` as a pipeline runs them: the real azure-mgmt-web client in a
child process, against the loopback ARM stand-in over TLS, signed in through
DefaultAzureCredential's managed-identity path, with the target's hub in Azurite."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest

from scripts.stages.arm import ARM_ENDPOINT_ENV, AppRef, open_slots
from scripts.stages.slot_operations import health_url
from standins.arm import PREPARED_FOR_SWAP
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.starters import MARKER_SETTING
from tests.support.arm_fixtures import APP, GROUP, STICKY, SUBSCRIPTION, Deployment
from tests.support.helpers import SECRET_ACCOUNT


def swap(deployment: Deployment, *args: str) -> tuple[int, dict[str, Any], str]:
    run = deployment.cli("swap", *deployment.app_args(), "--json", *args)
    return run.code, (json.loads(run.stdout) if run.stdout.strip() else {}), run.output


def test_swap_moves_code_and_durable_settings_but_not_sticky_ones(deployment: Deployment) -> None:
    before = {name: dict(deployment.slot(name).settings) for name in ("production", "staging")}
    code, result, output = swap(deployment)
    assert code == 0, output
    assert result["action"] == "swap" and result["app"] == APP
    production, staging = deployment.slot("production"), deployment.slot("staging")
    assert (production.content, staging.content) == ("orders 2.0", "orders 1.0")
    assert production.settings[STICKY] == "prod" and staging.settings[STICKY] == "stage"
    moved = "DurableManagementStorage"
    assert production.settings[moved] == before["staging"][moved]
    assert staging.settings[moved] == before["production"][moved]


@pytest.mark.slow
def test_a_slow_swap_shows_progress(deployment: Deployment) -> None:
    deployment.stand_in.faults.swap_seconds = 4.5
    run = deployment.cli("swap", *deployment.app_args())
    assert run.code == 0, run.output
    assert "swapping orders-test/staging -> orders-test: 2s" in run.stderr
    assert "DONE" in run.stdout


@pytest.mark.slow
def test_a_swap_already_running_is_refused_with_exit_2(deployment: Deployment) -> None:
    deployment.stand_in.faults.swap_seconds = 60
    first = deployment.runner.popen(
        "swap",
        *deployment.app_args(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while deployment.swap_calls() == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        code, result, output = swap(deployment)
        assert code == 2, output
        assert "another swap or slot operation is running" in result["error"]["message"]
        assert "wait for it to finish" in result["error"]["fix"]
    finally:
        first.kill()
        first.wait()


@pytest.mark.parametrize(
    ("status", "says", "fix"),
    [
        (403, "not authorised on 'orders-test/staging'", "Website Contributor"),
        (401, "Azure sign-in failed", "sign in the pipeline"),
    ],
)
def test_refusals_exit_2_with_the_fix(
    deployment: Deployment, status: int, says: str, fix: str
) -> None:
    deployment.stand_in.faults.status = status
    code, result, output = swap(deployment)
    assert code == 2, output
    assert says in result["error"]["message"]
    assert fix in result["error"]["fix"]
    assert deployment.slot("production").content == "orders 1.0"


@pytest.mark.parametrize(
    ("args", "missing"),
    [(["--app", "nope"], "'nope/staging'"), (["--slot", "blue"], "'orders-test/blue'")],
)
def test_a_missing_app_or_slot_exits_2(
    deployment: Deployment, args: list[str], missing: str
) -> None:
    code, result, output = swap(deployment, *args)
    assert code == 2, output
    assert f"app or slot {missing} not found" in result["error"]["message"]


def test_a_burst_of_server_errors_is_retried(deployment: Deployment) -> None:
    deployment.stand_in.faults.burst = [500, 503, 500]
    code, _, output = swap(deployment)
    assert code == 0, output
    assert deployment.slot("production").content == "orders 2.0"


def test_errors_beyond_the_retries_exit_2(deployment: Deployment) -> None:
    deployment.stand_in.faults.burst = [500] * 10
    code, result, output = swap(deployment, "--arm-retries", "1")
    assert code == 2, output
    assert "ARM answered 500" in result["error"]["message"]
    assert deployment.slot("production").content == "orders 1.0"


def test_preview_then_complete(deployment: Deployment) -> None:
    code, _, output = swap(deployment, "--action", "preview")
    assert code == 0, output
    staging = deployment.slot("staging")
    assert staging.settings[STICKY] == "prod", "the target's sticky settings are previewed"
    assert staging.content == "orders 2.0"
    code, _result, output = swap(deployment, "--action", "complete")
    assert code == 0, output
    assert deployment.slot("production").content == "orders 2.0"
    assert deployment.slot("staging").settings[STICKY] == "stage"
    assert deployment.slot("production").settings[STICKY] == "prod"


def test_reset_cancels_a_preview(deployment: Deployment) -> None:
    before = dict(deployment.slot("staging").settings)
    assert swap(deployment, "--action", "preview")[0] == 0
    code, _result, output = swap(deployment, "--action", "reset")
    assert code == 0, output
    assert deployment.slot("staging").settings == before
    assert deployment.slot("production").content == "orders 1.0"


def test_require_drained_refuses_while_the_target_hub_runs(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("order-1", "ProcessOrder", "Running", "1.0"))
    code, result, output = swap(deployment, "--require-drained")
    assert code == 1, output
    assert result["gate"]["not_finished"] == 1
    assert result["error"]["type"] == "StageFailed" and "unfinished" in result["error"]["message"]
    assert (
        result["gate"]["hub_from"] == "live app settings of 'production' (DurableManagementStorage)"
    )
    assert deployment.swap_calls() == 0
    assert SECRET_ACCOUNT.key not in output
    host.transition("order-1", "Completed")
    code, result, output = swap(deployment, "--require-drained")
    assert code == 0, output
    assert result["gate"]["drained"] is True
    assert deployment.slot("production").content == "orders 2.0"


def test_an_http_arm_endpoint_is_refused(deployment: Deployment) -> None:
    code, result, output = swap(
        deployment, "--arm-endpoint", deployment.arm.url.replace("https", "http")
    )
    assert code == 2, output
    assert "not an https:// URL" in result["error"]["message"]


def test_quiesce_merges_and_resume_restores_exactly(deployment: Deployment) -> None:
    production = deployment.slot("production")
    production.settings["AzureWebJobs.StartOrder.Disabled"] = "false"
    before = dict(production.settings)
    args = [*deployment.app_args(), "--slot", "production", "--json"]
    run = deployment.cli("quiesce", *args, "--function", "StartOrder", "--function", "StartRefund")
    assert run.code == 0, run.output
    assert json.loads(run.stdout)["restarted"] is True
    after = production.settings
    assert after["AzureWebJobs.StartOrder.Disabled"] == "true"
    assert after["AzureWebJobs.StartRefund.Disabled"] == "true"
    assert {k: v for k, v in after.items() if k in before and "Start" not in k} == {
        k: v for k, v in before.items() if "Start" not in k
    }
    puts = sum(1 for call in deployment.stand_in.calls if call.method == "PUT")
    again = deployment.cli("quiesce", *args, "--function", "StartOrder")
    assert again.code == 0 and json.loads(again.stdout)["restarted"] is False
    assert sum(1 for call in deployment.stand_in.calls if call.method == "PUT") == puts
    run = deployment.cli("resume", *args)
    assert run.code == 0, run.output
    assert production.settings == before
    assert MARKER_SETTING not in production.settings
    assert deployment.cli("resume", *args).code == 0


def test_quiesce_refuses_a_bad_function_name(deployment: Deployment) -> None:
    run = deployment.cli("quiesce", *deployment.app_args(), "--function", "Start Order")
    assert run.code == 2
    assert "is not a function name" in run.stdout
    assert not any(call.method == "PUT" for call in deployment.stand_in.calls)


def test_the_health_url_defaults_to_the_slots_host_name(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in deployment.arm.env.items():
        monkeypatch.setenv(key, value)
    slots = AppRef(SUBSCRIPTION, GROUP, APP)
    opened = open_slots(slots, deployment.arm.env[ARM_ENDPOINT_ENV], 0)
    assert health_url(opened, "production", "/api/health", None) == (
        "https://orders-test.azurewebsites.net/api/health"
    )
    assert health_url(opened, "staging", "status", None) == (
        "https://orders-test-staging.azurewebsites.net/status"
    )
    assert health_url(opened, "staging", "x", "https://front.door/x") == "https://front.door/x"


def test_each_action_names_the_source_in_the_path_and_the_target_in_the_body(
    deployment: Deployment,
) -> None:
    """WebApps.json (2025-05-01) WebApps_ApplySlotConfigurationSlot, WebApps_SwapSlot,
    WebApps_ResetSlotConfigurationSlot: the path's slot is the source."""
    pair = {"targetSlot": "production", "preserveVnet": True}
    site = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Web/sites/{APP}"
    )
    for action, call in (
        ("preview", ("POST", "/slots/staging/applySlotConfig", pair)),
        ("reset", ("POST", "/slots/staging/resetSlotConfig", None)),
        ("swap", ("POST", "/slots/staging/slotsswap", pair)),
    ):
        deployment.stand_in.calls.clear()
        assert swap(deployment, "--action", action)[0] == 0
        sent = [(c.method, c.path.removeprefix(site), c.body) for c in deployment.stand_in.calls]
        assert sent[0] == call
        assert all("/operationresults/" in path for _, path, _ in sent[1:])


def test_a_swap_restarts_the_source_only_and_some_settings_never_swap(
    deployment: Deployment,
) -> None:
    """deploy-staging-slots.md "What happens during a swap" (phase 1 restarts the source) and
    "which settings are swapped" (`_EXTENSION_VERSION` and the diagnostics settings stay)."""
    production, staging = deployment.slot("production"), deployment.slot("staging")
    production.settings.update(
        FUNCTIONS_EXTENSION_VERSION="~4", WEBSITE_HTTPLOGGING_RETENTION_DAYS="7"
    )
    staging.settings.update(
        FUNCTIONS_EXTENSION_VERSION="~4.1", WEBSITE_HTTPLOGGING_RETENTION_DAYS="1"
    )
    code, _, output = swap(deployment, "--action", "preview")
    assert code == 0, output
    assert (production.restarts, staging.restarts) == (0, 1)
    assert staging.settings["FUNCTIONS_EXTENSION_VERSION"] == "~4", "warms up on the target's"
    code, _, output = swap(deployment, "--action", "complete")
    assert code == 0, output
    assert (production.restarts, staging.restarts) == (0, 2)
    assert production.content == "orders 2.0"
    assert production.settings["FUNCTIONS_EXTENSION_VERSION"] == "~4"
    assert staging.settings["FUNCTIONS_EXTENSION_VERSION"] == "~4.1"
    assert production.settings["WEBSITE_HTTPLOGGING_RETENTION_DAYS"] == "7"
    assert staging.settings["WEBSITE_HTTPLOGGING_RETENTION_DAYS"] == "1"


def test_settings_are_locked_while_a_preview_is_pending(deployment: Deployment) -> None:
    assert swap(deployment, "--action", "preview")[0] == 0
    before = dict(deployment.slot("production").settings)
    run = deployment.cli("quiesce", *deployment.app_args(), "--function", "StartOrder", "--json")
    assert run.code == 2, run.output
    error = json.loads(run.stdout)["error"]
    assert PREPARED_FOR_SWAP in error["message"], "App Service's own error body, decoded"
    assert "--action reset" in error["fix"]
    assert deployment.slot("production").settings == before
    assert swap(deployment, "--action", "reset")[0] == 0
    run = deployment.cli("quiesce", *deployment.app_args(), "--function", "StartOrder")
    assert run.code == 0, run.output
