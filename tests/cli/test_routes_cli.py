"""`durable-deploy routes` against a real Azurite: sync, current, drain, retire."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.routes import Route, RouteState, RouteTable
from tests.support.checkout import ROOT
from tests.support.helpers import SECRET_ACCOUNT, Cli, Run, plan_outputs_file, route_table

sys.path.insert(0, str(ROOT / "apps" / "router"))

from router.routing import decide


@pytest.fixture(scope="module")
def tracking_store() -> Iterator[Azurite]:
    with Azurite((SECRET_ACCOUNT,)) as own:
        yield own


@pytest.fixture(scope="module")
def stack_output(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plan_outputs_file(cli, "routing", tmp_path_factory.mktemp("stack"))


def routes(cli: Cli, store: Azurite, stack_output: Path, *args: str) -> Run:
    return cli(
        "routes",
        *args,
        "--stack-output",
        str(stack_output),
        "--connection-string",
        store.connection_string(SECRET_ACCOUNT.name),
        "--json",
    )


def test_the_route_lifecycle(cli: Cli, tracking_store: Azurite, stack_output: Path) -> None:
    synced = route_table(routes(cli, tracking_store, stack_output, "sync"))
    assert set(synced) == {"1.0", "1.1"}
    assert synced["1.1"]["current"] is True and synced["1.0"]["current"] is False
    assert synced["1.0"]["hub"] == "OrdersV1x0"
    assert synced["1.0"]["base_url"] == "https://orders-v1-0.azurewebsites.net"

    assert route_table(routes(cli, tracking_store, stack_output, "set-current", "1.0"))["1.0"][
        "current"
    ]
    listed = route_table(routes(cli, tracking_store, stack_output, "set-current", "1.1"))
    assert listed["1.1"]["current"] and not listed["1.0"]["current"]
    assert route_table(routes(cli, tracking_store, stack_output, "sync"))["1.1"]["current"]  # kept

    assert routes(cli, tracking_store, stack_output, "drain", "1.1").code == 2  # the current one
    assert (
        route_table(routes(cli, tracking_store, stack_output, "drain", "1.0"))["1.0"]["state"]
        == "draining"
    )

    service = TableServiceClient.from_connection_string(
        tracking_store.connection_string(SECRET_ACCOUNT.name)
    )
    host = DurableHostSimulator(service, TaskHub("OrdersV1x0", tracking_prefix="DurableTask"))
    host.create_hub()
    host.write(SimulatedInstance("late-order", "ProcessOrder", "Running", "1.0.3"))
    blocked = routes(cli, tracking_store, stack_output, "retire", "1.0")
    assert blocked.code == 1 and json.loads(blocked.stdout)["unfinished"] == 1
    host.transition("late-order", "Completed")
    allowed = routes(cli, tracking_store, stack_output, "retire", "1.0")
    assert allowed.code == 0, allowed.output
    assert '["1.1.0"]' in json.loads(allowed.stdout)["config_change"]
    assert (
        route_table(routes(cli, tracking_store, stack_output, "list"))["1.0"]["state"] == "retired"
    )
    assert routes(cli, tracking_store, stack_output, "retire", "2.0").code == 2


def test_draining_takes_no_new_work_but_keeps_its_instances() -> None:
    draining = Route("1.0", "a", "http://a", "1.0.3", "HubA", RouteState.DRAINING)
    current = Route("1.1", "b", "http://b", "1.1.0", "HubB", current=True)
    routes_ = RouteTable.of([draining, current])

    async def owner(instance_id: str) -> str | None:
        return {"x": "HubA"}.get(instance_id)

    new_work = asyncio.run(decide(routes_, "/api/orders", {}, "1.0", owner))
    assert new_work.status == 404 and new_work.detail == {"version": "1.0", "active": ["1.1"]}
    event = asyncio.run(decide(routes_, "/instances/x", {}, None, owner))
    assert event.route == draining
