"""What the stages say about rows they cannot fully read, and names they never saw.

Rows are written as another writer might leave them (the Table service is schemaless):
DurableTask.AzureStorage itself writes Version, Name and TaskHubName as strings,
CreatedTime as a DateTime and always a RuntimeStatus (AzureTableTrackingStore
SetNewExecutionAsync), so each row here is one it would not write.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from azure.data.tables import TableServiceClient

from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.instances import InstanceStore
from tests.support.helpers import SECRET_ACCOUNT, Cli, Run, on_test_account, plan_outputs_file

OLD = datetime.now(UTC) - timedelta(days=90)


def odd_row(host: DurableHostSimulator, instance_id: str, **columns: Any) -> None:
    """A simulator row for `instance_id` with `columns` replaced (None: left out)."""
    row = host.row(SimulatedInstance(instance_id, "Flow", "Completed", "1.0", created=OLD))
    for name, value in columns.items():
        if value is None:
            row.pop(name, None)
        else:
            row[name] = value
    host.table.upsert_entity(row)


def test_a_row_without_runtime_status_holds_the_gate(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    odd_row(host, "done")
    odd_row(host, "mystery", RuntimeStatus=None, CreatedTime="not a date")
    run = on_test_account(
        cli, azurite, "gate", "--hub", host.hub.name, "--timeout", "0", "--stable-for", "1"
    )
    assert run.code == 1, run.output
    result = json.loads(run.stdout)
    assert result["not_finished"] == 1 and result["unreadable"]["count"] == 1
    listed = result["unreadable"]["instances"][0]
    assert listed["instance_id"] == "mystery"
    assert [p.split(":")[0] for p in listed["unreadable"]] == ["RuntimeStatus", "CreatedTime"]


def test_mixed_column_types_never_crash_versions_or_retire(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    odd_row(host, "int-version", Version=1, RuntimeStatus="Running")
    odd_row(host, "string-time", CreatedTime="2026-01-01T00:00:00Z")
    odd_row(host, "int-name", Name=7, TaskHubName=12)
    odd_row(host, "bool-version", Version=True, RuntimeStatus="Suspended")
    report = on_test_account(
        cli, azurite, "versions", "--hub", host.hub.name, "--worker-version", "2.0"
    )
    assert report.code == 1, report.output  # an unreadable version cannot be judged
    result = json.loads(report.stdout)
    assert (result["total"], result["unreadable"], result["rollout"]["unreadable"]) == (4, 2, 1)
    annotated = on_test_account(
        cli,
        azurite,
        "versions",
        "--hub",
        host.hub.name,
        "--worker-version",
        "2.0",
        "--ci",
        "github",
    )
    assert "reject 0 and fail 0 unfinished instance(s); 1 unfinished row(s) cannot be read" in (
        annotated.stderr
    )
    # Version 1 stored as Int32 is version "1": retire sees its running instance.
    int32 = on_test_account(cli, azurite, "retire", "--hub", host.hub.name, "--version", "1")
    assert int32.code == 1, int32.output
    assert json.loads(int32.stdout)["unfinished"] == 1
    assert "never recorded" not in int32.stdout
    # A row whose Version cannot be read might be 1.0: not safe.
    blocked = on_test_account(cli, azurite, "retire", "--hub", host.hub.name, "--version", "1.0")
    assert blocked.code == 1, blocked.output
    assert json.loads(blocked.stdout)["unreadable"] == 2  # int-name (1.0) and bool-version


def test_a_version_never_recorded_is_cannot_decide(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    for i, version in enumerate(["1.0", "2.0", "10.0"]):
        host.write(SimulatedInstance(f"i{i}", "Flow", "Completed", version, created=OLD))
    typo = on_test_account(cli, azurite, "retire", "--hub", host.hub.name, "--version", "1.O")
    assert typo.code == 2, typo.output
    message = json.loads(typo.stdout)["error"]["message"]
    assert "closest first: '1.0', " in message and "'2.0'" in message
    allowed = on_test_account(
        cli, azurite, "retire", "--hub", host.hub.name, "--version", "3.0", "--allow-unrecorded"
    )
    assert allowed.code == 0, allowed.output
    assert json.loads(allowed.stdout)["recorded_in_hub"] is False


def test_a_row_with_an_empty_task_hub_name_is_held_by_every_hub(
    service: TableServiceClient, hub_name: str
) -> None:
    prefix = f"Empty{hub_name}"
    blue = DurableHostSimulator(service, TaskHub(f"{hub_name}blue", tracking_prefix=prefix))
    blue.create_hub()
    blue.write(SimulatedInstance("b1", "Flow", status="Completed"))
    odd_row(blue, "orphan", TaskHubName="", RuntimeStatus="Running")
    odd_row(blue, "numbered", TaskHubName=5, RuntimeStatus="Running")
    green = InstanceStore(service, TaskHub(f"{hub_name}green", tracking_prefix=prefix))
    assert sorted(r.instance_id for r in green.unfinished()) == ["numbered", "orphan"]


def test_routes_retire_refuses_a_hub_that_never_recorded_an_instance(
    cli: Cli,
    tmp_path: Path,
) -> None:
    stack = plan_outputs_file(cli, "routing", tmp_path)
    with Azurite((SECRET_ACCOUNT,)) as store:
        conn = store.connection_string(SECRET_ACCOUNT.name)

        def routes(*args: str) -> Run:
            return cli(
                "routes", *args, "--stack-output", str(stack), "--connection-string", conn, "--json"
            )

        assert routes("sync").code == 0
        service = TableServiceClient.from_connection_string(conn)
        # The 1.0 app writes under another hub name than the route says.
        elsewhere = DurableHostSimulator(
            service, TaskHub("OrdersLegacy", tracking_prefix="DurableTask")
        )
        elsewhere.create_hub()
        elsewhere.write(SimulatedInstance("late", "ProcessOrder", "Running", "1.0.3"))
        assert routes("drain", "1.0").code == 0
        refused = routes("retire", "1.0")
        assert refused.code == 2, refused.output
        message = json.loads(refused.stdout)["error"]["message"]
        assert "never recorded" in message and "OrdersLegacy" in message
        assert json.loads(routes("list").stdout)["routes"][0]["state"] == "draining"
