"""`durable-deploy gate` as a pipeline runs it: a process, real Azurite, exit codes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import Account, Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from tests.support.fake_clock import DrivenClock
from tests.support.helpers import (
    SECRET_ACCOUNT,
    WRONG_KEY,
    Cli,
    Run,
    gate_once,
    secret_account_connection,
)
from tests.support.shared_store import shared_store

FAST = ["--interval", "0.3", "--retries", "1"]
# Every wait here runs on driven time (tests/support/fake_clock.py): intervals and timeouts
# cost nothing, and what changes during a wait happens at a chosen point of it.
pytestmark = pytest.mark.usefixtures("fake_clock")
# One read that must show a drained hub to pass.
ONCE = ["--timeout", "0", "--stable-for", "1"]


def gate(
    cli: Cli, azurite: Azurite, hub: str, *args: str, env: dict[str, str] | None = None
) -> Run:
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    return cli("gate", "--connection-string", conn, "--hub", hub, *args, env=env)


def test_a_drained_hub_passes(cli: Cli, azurite: Azurite, host: DurableHostSimulator) -> None:
    for i, status in enumerate(["Completed", "Failed", "Canceled", "Terminated"]):
        host.write(SimulatedInstance(f"i{i}", "Flow", status=status))
    run = gate(cli, azurite, host.hub.name, *FAST, "--stable-for", "2", "--timeout", "10")
    assert run.code == 0, run.output
    assert "DRAINED" in run.stdout


@pytest.mark.parametrize("status", ["Pending", "Running", "Suspended", "ContinuedAsNew", "Paused"])
def test_each_unfinished_status_holds(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, status: str
) -> None:
    host.write(SimulatedInstance("done", "Flow", status="Completed"))
    host.write(SimulatedInstance("busy", "Flow", status=status))
    run = gate(cli, azurite, host.hub.name, "--timeout", "0", "--json")
    assert run.code == 1, run.output
    result = json.loads(run.stdout)
    assert result["drained"] is False
    assert result["by_status"] == {status: 1}


def test_entities_are_skipped_unless_included(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("@counter@a", "@counter"))
    assert gate(cli, azurite, host.hub.name, "--timeout", "0", "--stable-for", "1").code == 0
    run = gate(cli, azurite, host.hub.name, "--timeout", "0", "--include-entities", "--json")
    assert run.code == 1
    assert json.loads(run.stdout)["instances"][0]["is_entity"] is True


def test_a_shared_tracking_store_with_two_hubs(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    prefix = f"Shared{hub_name}"
    drained, busy = shared_store(service, prefix, f"{hub_name}old", f"{hub_name}new")
    drained.write(SimulatedInstance("o1", "Flow", status="Completed"))
    busy.write(SimulatedInstance("n1", "Flow", status="Running", version="2.0"))
    common = ["--tracking-prefix", prefix, *ONCE, "--json"]
    old = gate(cli, azurite, drained.hub.name, *common)
    new = gate(cli, azurite, busy.hub.name, *common)
    assert old.code == 0, old.output
    assert new.code == 1, new.output
    assert json.loads(old.stdout)["table"] == f"{prefix}Instances"
    assert json.loads(new.stdout)["by_version"] == {"2.0": 1}


def test_a_missing_table_cannot_be_decided_unless_allowed(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    missing = f"{hub_name}typo"
    run = gate(cli, azurite, missing, "--timeout", "0", "--json")
    assert run.code == 2
    error = json.loads(run.stdout)["error"]
    assert error["kind"] == "HubNotFoundError" and "hub name" in error["fix"]
    allowed = gate(cli, azurite, missing, *ONCE, "--allow-missing-hub", "--json")
    assert allowed.code == 0, allowed.output
    assert json.loads(allowed.stdout)["hub_missing"] is True
    # Reading never creates the hub's tables.
    names = {t.name for t in service.list_tables()}
    assert f"{missing}Instances" not in names


def test_instances_finishing_during_the_wait_pass(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, fake_clock: DrivenClock
) -> None:
    host.write(SimulatedInstance("slow", "Flow", status="Running", version="1.0"))
    host.write(SimulatedInstance("pending", "Flow", status="Pending"))
    # Reads at 0, 0.3, 0.6, ...: the first two see the work, the host finishes it before
    # the third.
    fake_clock.after(0.3, lambda: host.transition("pending", "Running"))
    fake_clock.after(0.5, lambda: host.transition("slow", "Completed"))
    fake_clock.after(0.5, lambda: host.transition("pending", "Completed"))
    run = gate(cli, azurite, host.hub.name, *FAST, "--timeout", "30", "--json")
    assert run.code == 0, run.output
    result = json.loads(run.stdout)
    assert result["reads"] == 4  # held while unfinished, then two drained reads
    first = next(line for line in run.stderr.splitlines() if "read 1:" in line)
    # The poll reads ids and statuses only: its progress lines count by status.
    assert "2 unfinished · status: Pending 1, Running 1 ·" in first and "version" not in first


def test_new_work_restarts_the_stable_window(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, fake_clock: DrivenClock
) -> None:
    # Three drained reads (0, 0.4, 0.8) of the four needed, then an instance starts.
    fake_clock.after(1.0, lambda: host.write(SimulatedInstance("latecomer", "Flow", "Pending")))
    run = gate(
        cli,
        azurite,
        host.hub.name,
        "--interval",
        "0.4",
        "--stable-for",
        "4",
        "--timeout",
        "3",
        "--json",
    )
    assert run.code == 1, run.output
    assert json.loads(run.stdout)["instances"][0]["instance_id"] == "latecomer"


def test_timeout_exits_1_with_the_oldest_listed(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    for i in range(3):
        host.write(SimulatedInstance(f"run{i}", "Flow", status="Running"))
    started = time.monotonic()
    run = gate(cli, azurite, host.hub.name, *FAST, "--timeout", "1", "--show", "2")
    assert run.code == 1
    assert time.monotonic() - started < 15
    assert "NOT DRAINED" in run.stdout and "3 unfinished" in run.stdout
    assert "run0" in run.stdout and "run1" in run.stdout and "run2" not in run.stdout


def test_ignored_orchestrations_are_reported_not_waited_for(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("eternal", "MonitorLoop", status="ContinuedAsNew"))
    run = gate(
        cli,
        azurite,
        host.hub.name,
        *ONCE,
        "--ignore-orchestration",
        "monitorloop",
        "--json",
    )
    assert run.code == 0, run.output
    result = json.loads(run.stdout)
    assert result["ignored"]["by_name"] == {"MonitorLoop": 1}
    assert any("ignored" in w for w in result["warnings"])


def test_json_shape(cli: Cli, azurite: Azurite, host: DurableHostSimulator) -> None:
    host.write(SimulatedInstance("a", "Flow", status="Running", version="1.0"))
    host.write(SimulatedInstance("b", "Flow", status="Suspended"))
    run = gate(cli, azurite, host.hub.name, "--timeout", "0", "--json")
    result = json.loads(run.stdout)  # stdout holds nothing but the object
    assert result["drained"] is False
    assert result["not_finished"] == 2
    assert result["by_status"] == {"Running": 1, "Suspended": 1}
    assert result["by_version"] == {"": 1, "1.0": 1}
    first = result["instances"][0]
    assert set(first) >= {"instance_id", "name", "version", "runtime_status", "created_time"}
    assert first["instance_id"] == "a" and first["created_time"].endswith("Z")


@pytest.mark.slow  # an Azurite of its own, to stop
def test_azurite_stopping_mid_wait_is_never_a_pass(cli: Cli, fake_clock: DrivenClock) -> None:
    with Azurite((SECRET_ACCOUNT,)) as own:
        service = TableServiceClient.from_connection_string(
            own.connection_string(SECRET_ACCOUNT.name)
        )
        host = DurableHostSimulator(service, TaskHub("stopping"))
        host.create_hub()
        host.write(SimulatedInstance("busy", "Flow", status="Running"))
        fake_clock.after(0.1, own.stop)  # after the first read
        run = cli(
            "gate",
            "--connection-string",
            own.connection_string(SECRET_ACCOUNT.name),
            "--hub",
            "stopping",
            *FAST,
            "--timeout",
            "60",
            "--json",
        )
    assert run.code == 2, run.output
    assert "read 1: 1 unfinished" in run.stderr
    result = json.loads(run.stdout)
    assert result["drained"] is False and result["error"]["kind"] == "StoreUnavailableError"


def test_bad_arguments_exit_2(cli: Cli, azurite: Azurite) -> None:
    assert cli("gate", "--hub", "orders").code == 2  # no connection at all
    both = cli(
        "gate",
        "--hub",
        "orders",
        "--connection-string",
        "UseDevelopmentStorage=true",
        "--account-url",
        "https://x.table.core.windows.net",
    )
    assert both.code == 2 and "conflict" in both.stdout
    bad_hub = gate(cli, azurite, "orders-prod", "--timeout", "0")
    assert bad_hub.code == 2 and "only the letters" in bad_hub.stdout
    assert cli("gate", "--hub", "orders", "--interval", "0").code == 2
    missing_setting = cli("gate", "--hub", "orders", "--connection-setting", "NoSuchSetting")
    assert missing_setting.code == 2 and "NoSuchSetting__accountName" in missing_setting.stdout


def test_a_wrong_key_is_an_access_error(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    run = gate_once(cli, secret_account_connection(azurite, key=WRONG_KEY), host.hub.name)
    assert run.code == 2, run.output
    assert json.loads(run.stdout)["error"]["kind"] == "AccessDeniedError"
    assert WRONG_KEY[:12] not in run.output  # nor any part of it


def test_the_key_never_appears_in_any_output(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, tmp_path: Path
) -> None:
    host.write(SimulatedInstance("busy", "Flow", status="Running"))
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    env = {"DurableManagementStorage": conn, "GITHUB_OUTPUT": str(tmp_path / "o")}
    runs = [
        gate(cli, azurite, host.hub.name, "--timeout", "0"),
        gate(cli, azurite, host.hub.name, "--timeout", "0", "--json", "--ci", "github", env=env),
        gate(cli, azurite, f"{host.hub.name}x", "--timeout", "0"),
        gate(cli, azurite, "bad-hub", "--timeout", "0", "--ci", "azure-devops"),
        cli(
            "gate",
            "--connection-setting",
            "DurableManagementStorage",
            "--hub",
            host.hub.name,
            "--timeout",
            "0",
            env=env,
        ),
        cli("gate", "--connection-setting", conn, "--hub", host.hub.name),
        cli("gate", "--connection-string", conn.replace("AccountName", "Acct"), "--hub", "x1y"),
    ]
    for run in runs:
        assert run.code in (1, 2)
        assert SECRET_ACCOUNT.key not in run.output
    assert SECRET_ACCOUNT.key not in (tmp_path / "o").read_text()


def test_ci_annotations_and_outputs(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, tmp_path: Path
) -> None:
    outputs = tmp_path / "github_output"
    run = gate(
        cli,
        azurite,
        host.hub.name,
        *ONCE,
        env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(outputs)},
    )
    assert run.code == 0
    assert f"::notice title=drain gate ({host.hub.name})::drained" in run.stderr
    assert "::warning" in run.stderr  # the hub never ran anything: a suspicious pass
    assert "drained=true" in outputs.read_text()
    azure = gate(cli, azurite, f"{host.hub.name}zz", "--timeout", "0", env={"TF_BUILD": "True"})
    assert azure.code == 2
    assert "##vso[task.logissue type=error]" in azure.stderr
    assert "##vso[task.setvariable variable=drained;isOutput=true]false" in azure.stderr


def test_help_documents_every_option_and_the_exit_codes(cli: Cli) -> None:
    run = cli("gate", "--help")
    assert run.code == 0
    for option in [
        "--connection-string",
        "--account-url",
        "--connection-setting",
        "--hub",
        "--tracking-prefix",
        "--timeout",
        "--interval",
        "--stable-for",
        "--include-entities",
        "--ignore-orchestration",
        "--allow-missing-hub",
        "--json",
        "--ci",
        "--retries",
    ]:
        assert option in run.stdout
    assert "0 drained" in run.stdout and "2 cannot decide" in run.stdout


def test_named_accounts_stand_in_for_separate_slots(cli: Cli) -> None:
    staging = Account("stagingdurable", "c3RhZ2luZy1rZXktc3RhZ2luZy1rZXktc3RhZ2luZw==")
    with Azurite((SECRET_ACCOUNT, staging)) as both:
        for account, status in ((SECRET_ACCOUNT.name, "Running"), (staging.name, "Completed")):
            service = TableServiceClient.from_connection_string(both.connection_string(account))
            host = DurableHostSimulator(service, TaskHub("orders"))
            host.create_hub()
            host.write(SimulatedInstance("same-id", "Flow", status=status))
        production = cli(
            "gate",
            "--connection-string",
            both.connection_string(SECRET_ACCOUNT.name),
            "--hub",
            "orders",
            *ONCE,
        )
        slot = cli(
            "gate",
            "--connection-string",
            both.connection_string(staging.name),
            "--hub",
            "orders",
            *ONCE,
        )
    assert (production.code, slot.code) == (1, 0)
