"""`durable-deploy release` end to end: ARM stand-in over TLS, the hub in Azurite, a process."""

from __future__ import annotations

import json

import pytest
from azure.data.tables import TableServiceClient
from azure.durable_functions import Orchestrator
from azure.storage.blob import BlobServiceClient
from orders import orchestration

from scripts.stages.release import RELEASE_SETTING
from standins.azurite import DEV_ACCOUNT, Azurite
from standins.history_simulator import HistoryWriter, drive
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.starters import MARKER_SETTING
from tests.support.arm_fixtures import APP, GROUP, SUBSCRIPTION, Deployment, release, stages
from tests.support.durabletask_rows import flow, write
from tests.support.fake_clock import DrivenClock
from tests.support.helpers import ACTIVITIES, SECRET_ACCOUNT

UNCHANGED_PROGRAM = "tests.support.replay_programs:unchanged"

# Every wait here runs on driven time (tests/support/fake_clock.py).
pytestmark = pytest.mark.usefixtures("fake_clock")

NEW_CODE = ("--replay-app-dir", "apps/orders")
"""The sample app, as the new code a release replays the in-flight histories through."""


def test_a_release_with_quiesce_and_preview_waits_swaps_verifies_and_resumes(
    deployment: Deployment, host: DurableHostSimulator, fake_clock: DrivenClock
) -> None:
    host.write(SimulatedInstance("order-1", "ProcessOrder", "Running", "1.0"))
    production_before = dict(deployment.slot("production").settings)

    def finish() -> None:
        """Completes the order once the gate has read it a few times (after quiesce: the
        gate is the first wait of a release)."""
        quiesced = deployment.slot("production").settings.get("AzureWebJobs.StartOrder.Disabled")
        assert quiesced == "true", "the gate waited before quiesce"
        host.transition("order-1", "Completed")

    fake_clock.after(0.7, finish)  # reads at 0, 0.3 and 0.6 see the order
    code, result, output = release(
        deployment, "--quiesce", "StartOrder", "--preview", "--release-id", "r1"
    )
    assert code == 0, output
    assert stages(result) == [
        ("check", "ok"),
        ("quiesce", "ok"),
        ("gate", "ok"),
        ("swap", "ok"),
        ("verify", "ok"),
        ("resume", "ok"),
    ]
    by_name = {s["stage"]: s for s in result["stages"]}
    assert by_name["gate"]["reads"] >= 3
    assert by_name["swap"]["last_action"] == "complete"
    assert json.loads(by_name["verify"]["body"])["content"] == "orders 2.0"
    assert by_name["resume"]["slot"] == "staging"
    assert all(s["seconds"] >= 0 for s in result["stages"])
    # The old code and its settings are in staging again, exactly as they were.
    staging = deployment.slot("staging").settings
    assert MARKER_SETTING not in staging and "AzureWebJobs.StartOrder.Disabled" not in staging
    assert {k: v for k, v in staging.items() if k != "SLOT_ROLE"} == {
        k: v for k, v in production_before.items() if k != "SLOT_ROLE"
    }
    assert deployment.slot("production").settings[RELEASE_SETTING] == "r1"
    assert SECRET_ACCOUNT.key not in output


def test_a_release_sends_exactly_these_arm_calls(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    """Source in the path, production as `targetSlot` (WebApps.json WebApps_SwapSlot and
    WebApps_ApplySlotConfigurationSlot, api-version 2025-05-01): what
    `az webapp deployment slot swap --slot staging` sends."""
    production_before = dict(deployment.slot("production").settings)
    staging_before = dict(deployment.slot("staging").settings)
    code, _, output = release(
        deployment, "--quiesce", "StartOrder", "--preview", "--release-id", "r1"
    )
    assert code == 0, output
    site = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Web/sites/{APP}"
    )
    pair = {"targetSlot": "production", "preserveVnet": True}
    calls = [(c.method, c.path.removeprefix(site), c.body) for c in deployment.stand_in.calls]
    writes = [body["properties"] for method, _, body in calls if method == "PUT"]
    polls = [c for c in calls if "/operationresults/" in c[1]]
    assert polls and all(c[0] == "GET" and c[1].startswith("/slots/staging/") for c in polls)
    assert [c for c in calls if c not in polls] == [
        ("POST", "/slots/staging/config/appsettings/list", None),  # check
        ("POST", "/config/appsettings/list", None),
        ("POST", "/config/appsettings/list", None),  # quiesce
        ("PUT", "/config/appsettings", {"properties": writes[0]}),
        ("POST", "/config/appsettings/list", None),  # gate: the hub production runs
        ("POST", "/slots/staging/config/appsettings/list", None),  # stamp
        ("PUT", "/slots/staging/config/appsettings", {"properties": writes[1]}),
        ("POST", "/slots/staging/applySlotConfig", pair),  # preview
        ("POST", "/slots/staging/slotsswap", pair),  # complete
        ("POST", "/slots/staging/config/appsettings/list", None),  # resume
        ("PUT", "/slots/staging/config/appsettings", {"properties": writes[2]}),
    ]
    assert writes[0] == {
        **production_before,
        "AzureWebJobs.StartOrder.Disabled": "true",
        MARKER_SETTING: '{"StartOrder": null}',
    }
    assert writes[1] == {**staging_before, RELEASE_SETTING: "r1"}
    assert writes[2] == deployment.slot("staging").settings
    assert "AzureWebJobs.StartOrder.Disabled" not in writes[2]
    # Phase 1 and the swap restart staging only; production restarted once, for quiesce.
    assert (deployment.slot("production").restarts, deployment.slot("staging").restarts) == (1, 4)


def test_running_the_same_release_again_never_swaps_back(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    assert release(deployment, "--release-id", "r7")[0] == 0
    swaps = deployment.swap_calls()
    code, result, output = release(deployment, "--release-id", "r7")
    assert code == 0, output
    assert dict(stages(result))["swap"] == "skipped"
    assert deployment.swap_calls() == swaps
    assert deployment.slot("production").content == "orders 2.0"


def test_a_gate_timeout_stops_before_the_swap_and_resumes_the_starters(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("order-1", "ProcessOrder", "Suspended", "1.0"))
    before = dict(deployment.slot("production").settings)
    code, result, output = release(deployment, "--quiesce", "StartOrder", "--timeout", "1")
    assert code == 1, output
    assert result["failed_stage"] == "gate"
    assert stages(result)[-2:] == [("gate", "failed"), ("resume", "ok")]
    assert "nothing was swapped" in result["next"]
    assert deployment.swap_calls() == 0
    assert deployment.slot("production").settings == before


def test_a_failing_health_check_names_verify_and_offers_the_way_back(
    deployment: Deployment, host: DurableHostSimulator
) -> None:
    deployment.slot("staging").healthy = False
    code, result, output = release(deployment)
    assert code == 1, output
    assert result["failed_stage"] == "verify"
    assert deployment.slot("production").content == "orders 2.0"
    assert "HTTP 503" in result["stages"][-1]["message"]
    assert "swaps the old code back" in result["next"]


def test_two_slots_on_one_hub_fail_the_check(deployment: Deployment) -> None:
    deployment.slot("staging").settings["DurableManagementStorage"] = (
        deployment.production_connection
    )
    code, result, output = release(deployment)
    assert code == 2, output
    assert result["failed_stage"] == "check"
    assert "run the same task hub" in result["stages"][0]["message"]
    assert deployment.swap_calls() == 0
    assert SECRET_ACCOUNT.key not in output


@pytest.mark.parametrize("missing", ["--subscription", "--resource-group"])
def test_an_unnamed_app_exits_2(deployment: Deployment, missing: str) -> None:
    args = deployment.app_args()
    i = args.index(missing)
    del args[i : i + 2]
    run = deployment.cli("release", *args, "--json")
    assert run.code == 2
    assert missing in json.loads(run.stdout)["error"]["message"]


def test_a_missing_hub_fails_the_gate_with_the_fix(deployment: Deployment) -> None:
    code, result, output = release(deployment)
    assert code == 2, output
    gate = result["stages"][-1]
    assert (gate["stage"], gate["status"]) == ("gate", "failed")
    assert "does not exist" in gate["message"] and "--allow-missing-hub" in gate["fix"]
    assert "nothing was swapped" in result["next"]
    assert release(deployment, "--allow-missing-hub")[0] == 0


def orders_in_flight(conn: str, hub_name: str) -> None:
    """Two 1.0 orders in flight on `hub_name` of the account `conn` names."""
    with TableServiceClient.from_connection_string(conn) as service:
        hub = TaskHub(hub_name)
        staging = DurableHostSimulator(service, hub)
        staging.create_hub()
        writer = HistoryWriter(service, BlobServiceClient.from_connection_string(conn), hub)
        for instance_id in ("s-1", "s-2"):
            run = drive(
                Orchestrator.create(orchestration.process_order),
                ACTIVITIES,
                instance_id=instance_id,
                version="1.0",
                input={"id": instance_id},
                steps=2,
            )
            writer.write(run)
            staging.write(
                SimulatedInstance(
                    instance_id, "ProcessOrder", "Running", "1.0", execution_id=run.execution_id
                )
            )


@pytest.fixture
def staging_in_flight(azurite: Azurite, hub_name: str) -> None:
    """Two 1.0 orders in flight on the hub the staging slot runs (the new code's hub)."""
    orders_in_flight(azurite.connection_string(DEV_ACCOUNT), hub_name)


def test_the_replay_stage_stops_a_release_that_would_break_in_flight_work(
    deployment: Deployment, host: DurableHostSimulator, staging_in_flight: None
) -> None:
    before = dict(deployment.slot("production").settings)
    renamed = ["--replay-function", "standins.replay_variants:renamed"]
    code, result, output = release(deployment, "--quiesce", "StartOrder", *NEW_CODE, *renamed)
    assert code == 1, output
    assert stages(result) == [("lint", "ok"), ("check", "ok"), ("replay", "failed")]
    replay = result["stages"][2]
    assert replay["replayed"] == 2 and len(replay["failing"]) == 2
    assert "ChargeCard" in replay["failing"][0]["why"]
    assert "new orchestration version" in result["next"]
    assert deployment.swap_calls() == 0
    assert deployment.slot("production").settings == before, "nothing was quiesced"
    code, result, output = release(deployment, *NEW_CODE, "--replay-orchestrator", "ProcessOrder")
    assert code == 0, output
    assert dict(stages(result))["replay"] == "ok"


def test_an_unreadable_history_stops_the_release_at_the_replay_stage_with_exit_2(
    deployment: Deployment, host: DurableHostSimulator, azurite: Azurite, hub_name: str
) -> None:
    case = flow("s-odd", "e-odd")
    case.extra_rows = case.history_rows()
    case.extra_rows[3]["RowKey"] = "not-hex"  # tests/support/durabletask_rows.py cites the layout
    case.episodes = []
    conn = azurite.connection_string(DEV_ACCOUNT)
    with TableServiceClient.from_connection_string(conn) as service:
        write(service, TaskHub(hub_name), [case])
    code, result, output = release(deployment, *NEW_CODE, "--replay-function", UNCHANGED_PROGRAM)
    assert code == 2, output
    assert stages(result) == [("lint", "ok"), ("check", "ok"), ("replay", "failed")]
    assert result["stages"][2]["failing"][0]["outcome"] == "unreadable"
    assert deployment.swap_calls() == 0
    assert "new orchestration version" not in result["next"]
    assert "could not be read" in result["next"] and "nothing was swapped" in result["next"]


def test_a_re_run_after_the_swap_does_not_replay_the_old_code_s_hub(
    deployment: Deployment, host: DurableHostSimulator, azurite: Azurite, hub_name: str
) -> None:
    """After the swap the source slot runs the old code and its hub: its in-flight work is
    the old code's, which the new code never carries on, so a re-run skips the replay."""
    code, _, output = release(deployment, "--release-id", "r1")
    assert code == 0, output
    orders_in_flight(azurite.connection_string(SECRET_ACCOUNT.name), hub_name)
    code, result, output = release(
        deployment,
        "--release-id",
        "r1",
        "--replay-app-dir",
        "apps/orders",
        "--replay-function",
        "standins.replay_variants:renamed",
    )
    assert code == 0, output
    replay = dict(stages(result))
    assert replay["replay"] == "skipped" and replay["verify"] == "ok"
    assert deployment.swap_calls() == 1
