"""`durable-deploy release` on an app whose slots run on the Durable Task Scheduler.

Nothing tells `release` the backend: it reads each slot's live app settings (the ARM
stand-in over TLS) as the host does, `storageProvider.type: azureManaged` and hubName
`%TASKHUB_NAME%` resolved from the settings, and reads each slot's hub on the scheduler
stand-in, whose hubs a real durabletask worker wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from standins.scheduler import programs
from standins.scheduler.scenarios import Scenario, drained_hub, start_waiting
from standins.scheduler.server import SchedulerStandIn
from standins.scheduler.worker import hub_client, running_worker
from taskhub.scheduler_settings import DEFAULT_CONNECTION_SETTING, SchedulerSettings
from tests.support.arm_fixtures import STICKY, Deployment, deployed, release, stages
from tests.support.helpers import Cli

PRODUCTION_HUB, STAGING_HUB = "OrdersDts", "OrdersDtsStaging"
FUNCTIONS = "standins.scheduler.functions_programs"


def dts_settings(endpoint: str, hub: str, role: str) -> dict[str, str]:
    """A slot's settings as the components write them on the scheduler
    (components/function_app.py: SchedulerSettings, the connection, TASKHUB_NAME)."""
    return {
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        STICKY: role,
        **SchedulerSettings(hub_name="%TASKHUB_NAME%").app_settings(),
        "TASKHUB_NAME": hub,
        DEFAULT_CONNECTION_SETTING: f"Endpoint={endpoint};Authentication=None",
    }


@pytest.fixture(name="dts")
def dts_fixture(tmp_path: Path, cli: Cli) -> Iterator[tuple[Deployment, Scenario]]:
    """Production's hub drained, two `flow` orders in flight on staging's (the new code's)."""
    stand_in = SchedulerStandIn([PRODUCTION_HUB, STAGING_HUB], page_cap=3)
    address = stand_in.start()
    endpoint = f"http://{address.plain}"
    in_flight = Scenario()
    with running_worker(address.plain, PRODUCTION_HUB):
        drained_hub(hub_client(address.plain, PRODUCTION_HUB), count=2)
    with running_worker(address.plain, STAGING_HUB):
        client = hub_client(address.plain, STAGING_HUB)
        for number in (1, 2):
            start_waiting(client, in_flight, programs.flow, f"flow-{number}", {"o": number})
    try:
        with deployed(
            tmp_path,
            cli,
            dts_settings(endpoint, PRODUCTION_HUB, "prod"),
            dts_settings(endpoint, STAGING_HUB, "stage"),
            endpoint,
        ) as deployment:
            yield deployment, in_flight
    finally:
        stand_in.stop()


def test_a_release_on_the_scheduler_replays_gates_and_swaps_unchanged(
    dts: tuple[Deployment, Scenario],
) -> None:
    deployment, in_flight = dts
    code, result, output = release(deployment, "--replay-function", f"{FUNCTIONS}:flow")
    assert code == 0, output
    assert stages(result) == [
        ("check", "ok"),
        ("replay", "ok"),
        ("quiesce", "skipped"),
        ("gate", "ok"),
        ("swap", "ok"),
        ("verify", "ok"),
    ]
    by_name = {s["stage"]: s for s in result["stages"]}
    assert by_name["replay"]["hub"] == STAGING_HUB
    assert by_name["replay"]["replayed"] == len(in_flight.unfinished)
    assert by_name["gate"]["hub"] == PRODUCTION_HUB
    assert "scheduler http://127.0.0.1" in by_name["check"]["hubs"]["production"]
    assert deployment.slot("production").content == "orders 2.0"


def test_a_breaking_edit_stops_the_release_at_the_replay_stage(
    dts: tuple[Deployment, Scenario],
) -> None:
    deployment, in_flight = dts
    renamed = ["--replay-function", f"{FUNCTIONS}:renamed_flow"]
    code, result, output = release(deployment, *renamed)
    assert code == 1, output
    assert stages(result) == [("check", "ok"), ("replay", "failed")]
    assert len(result["stages"][1]["failing"]) == len(in_flight.unfinished)
    assert deployment.swap_calls() == 0


def test_two_slots_on_one_scheduler_hub_fail_the_check(
    dts: tuple[Deployment, Scenario],
) -> None:
    deployment, _ = dts
    deployment.slot("staging").settings["TASKHUB_NAME"] = PRODUCTION_HUB
    code, result, output = release(deployment)
    assert code == 2, output
    assert stages(result) == [("check", "failed")]
    assert "on the same scheduler" in output
