"""`release` on slots that name their durable connection in the seed's form only.

`extensions.durableTask.azureStorageConnectionStringName` is what Durable Functions 1.x reads;
2.x and later ignore it and read `storageProvider.connectionName` from the package's host.json
(taskhub/hostjson.py cites both). From app settings alone the toolkit cannot tell which the
slot runs, so with production's durable hub busy and a stale or missing hub of the same name
on the runtime account, the release must stop (exit 2) and ask, never drain the runtime
account's hub and swap. Against the ARM stand-in and Azurite, as the other release tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from standins.arm import SlotState, running_arm
from standins.azurite import DEV_ACCOUNT, Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hostjson import (
    DEFAULT_DURABLE_SETTING,
    RUNTIME_STORAGE_SETTING,
    V1_CONNECTION,
    override_setting,
)
from taskhub.hubs import TaskHub
from tests.support.arm_fixtures import APP, GROUP, STICKY, SUBSCRIPTION, Deployment, release
from tests.support.helpers import SECRET_ACCOUNT, Cli


def seed_form(hub: str, durable: str, runtime: str, role: str) -> dict[str, str]:
    """A slot as the seed's documentation sets it: hub and connection as app settings, the
    connection named with the Functions 2.x path of the 1.x key."""
    return {
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        STICKY: role,
        RUNTIME_STORAGE_SETTING: runtime,
        DEFAULT_DURABLE_SETTING: durable,
        override_setting("hubName"): hub,
        override_setting(V1_CONNECTION): DEFAULT_DURABLE_SETTING,
    }


def simulator(azurite: Azurite, account: str, hub: str) -> DurableHostSimulator:
    service = TableServiceClient.from_connection_string(azurite.connection_string(account))
    found = DurableHostSimulator(service, TaskHub(hub))
    found.create_hub()
    return found


@pytest.fixture(name="seeded")
def seeded_deployment(
    tmp_path: Path, azurite: Azurite, hub_name: str, cli: Cli
) -> Iterator[Deployment]:
    """Production runs `hub_name` on its durable account (SECRET_ACCOUNT), busy; the runtime
    account (DEV_ACCOUNT, AzureWebJobsStorage of both slots) is where a reader that assumes
    AzureWebJobsStorage looks. Staging runs another hub, so the release reaches its gate."""
    runtime = azurite.connection_string(DEV_ACCOUNT)
    durable = azurite.connection_string(SECRET_ACCOUNT.name)
    simulator(azurite, SECRET_ACCOUNT.name, hub_name).write(
        SimulatedInstance("order-1", "ProcessOrder", "Running", "1.0")
    )
    slots = {
        "production": SlotState(seed_form(hub_name, durable, runtime, "prod"), "orders 1.0"),
        "staging": SlotState(seed_form(f"{hub_name}s", durable, runtime, "stage"), "orders 2.0"),
    }
    with running_arm(tmp_path) as arm:
        site = arm.stand_in.add_site(SUBSCRIPTION, GROUP, APP, slots, sticky=[STICKY])
        ambient = {k: "" for k in os.environ if k.startswith("AZURE_")}
        yield Deployment(arm, site, durable, cli.with_env({**ambient, **arm.env}))


@pytest.mark.parametrize("runtime_hub", ["stale", "missing"])
@pytest.mark.parametrize("allow_missing", [False, True])
def test_a_seed_form_slot_never_swaps(
    seeded: Deployment, azurite: Azurite, hub_name: str, runtime_hub: str, allow_missing: bool
) -> None:
    if runtime_hub == "stale":
        simulator(azurite, DEV_ACCOUNT, hub_name).write(
            SimulatedInstance("old-1", "ProcessOrder", "Completed", "0.9")
        )
    extra = ["--allow-missing-hub"] if allow_missing else []
    code, result, output = release(seeded, "--release-id", "r1", *extra)
    assert code == 2, output
    assert seeded.swap_calls() == 0
    assert seeded.slot("production").content == "orders 1.0"
    gate = dict((s["stage"], s) for s in result["stages"])["gate"]
    assert gate["status"] == "failed"
    assert "cannot tell which storage connection" in gate["message"]
    assert V1_CONNECTION in gate["message"]
    assert "--connection-setting" in gate["fix"]
    assert SECRET_ACCOUNT.key not in output


def test_naming_the_connection_explicitly_gates_on_the_busy_durable_hub(
    seeded: Deployment, azurite: Azurite, hub_name: str
) -> None:
    """The fix the error gives: `--hub` and `--connection-setting` for the setting the app's
    extension reads; the gate then waits on production's busy hub (exit 1, no swap)."""
    run = seeded.runner.with_env({DEFAULT_DURABLE_SETTING: seeded.production_connection})
    code = run(
        "release",
        *seeded.app_args(),
        "--json",
        "--health-url",
        seeded.health_url(),
        "--hub",
        hub_name,
        "--connection-setting",
        DEFAULT_DURABLE_SETTING,
        "--interval",
        "0.3",
        "--timeout",
        "2",
        "--verify-timeout",
        "5",
    ).code
    assert code == 1
    assert seeded.swap_calls() == 0


def test_slots_of_one_seed_form_hub_name_stop_at_the_check(
    seeded: Deployment, hub_name: str
) -> None:
    """Two slots with one hub name share it unless their storage differs, which the seed's
    form cannot tell: the check stops the release before anything is quiesced."""
    staging = seeded.slot("staging").settings
    staging[override_setting("hubName")] = hub_name
    code, result, output = release(seeded, "--release-id", "r1", "--allow-missing-hub")
    assert code == 2, output
    assert result["failed_stage"] == "check"
    assert "cannot tell which storage connection" in result["stages"][-1]["message"]
    assert seeded.swap_calls() == 0
