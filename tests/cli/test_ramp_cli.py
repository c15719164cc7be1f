"""`routes ramp` and `routes ramp-watch` against Azurite, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.routes import Route, RouteStore
from tests.support.fake_clock import DrivenClock
from tests.support.helpers import SECRET_ACCOUNT, Cli, Run, plan_outputs_file, route_table

PREFIX = "WatchStore"


@pytest.fixture
def store() -> Iterator[Azurite]:
    with Azurite((SECRET_ACCOUNT,)) as own:
        yield own


def routes_cli(cli: Cli, store: Azurite, *args: str, stack: Path | None = None) -> Run:
    where = ["--stack-output", str(stack)] if stack else ["--tracking-prefix", PREFIX]
    return cli(
        "routes",
        *args,
        *where,
        "--connection-string",
        store.connection_string(SECRET_ACCOUNT.name),
        "--json",
    )


def test_ramp_marks_a_share_and_100_makes_it_current(
    cli: Cli, store: Azurite, tmp_path: Path
) -> None:
    stack = plan_outputs_file(cli, "routing", tmp_path)
    route_table(routes_cli(cli, store, "sync", stack=stack))
    route_table(routes_cli(cli, store, "set-current", "1.0", stack=stack))
    ramped = route_table(routes_cli(cli, store, "ramp", "1.1", "--percent", "10", stack=stack))
    assert ramped["1.1"]["ramp"] == 10 and ramped["1.0"]["current"]
    text = cli(
        "routes", "list", "--stack-output", str(stack),
        "--connection-string", store.connection_string(SECRET_ACCOUNT.name),
    )  # fmt: skip
    assert "ramp 10%" in text.stdout
    refused = routes_cli(cli, store, "ramp", "1.0", "--percent", "5", stack=stack)
    assert refused.code == 2 and "current" in json.loads(refused.stdout)["error"]["message"]
    assert routes_cli(cli, store, "ramp", "1.1", "--percent", "101", stack=stack).code == 2
    done = route_table(routes_cli(cli, store, "ramp", "1.1", "--percent", "100", stack=stack))
    assert done["1.1"]["current"] and done["1.1"]["ramp"] == 0 and not done["1.0"]["current"]


def seed(store: Azurite, ramp_statuses: list[str], current_statuses: list[str]) -> RouteStore:
    service = TableServiceClient.from_connection_string(
        store.connection_string(SECRET_ACCOUNT.name)
    )
    routes = RouteStore(service)
    routes.save(
        Route("1.0", "a", "https://a.example", "1.0.0", "WatchV10", current=True),
        Route("1.1", "b", "https://b.example", "1.1.0", "WatchV11", ramp=10),
    )
    for hub, statuses in (("WatchV11", ramp_statuses), ("WatchV10", current_statuses)):
        host = DurableHostSimulator(service, TaskHub(hub, tracking_prefix=PREFIX))
        host.create_hub()
        for n, status in enumerate(statuses):
            host.write(SimulatedInstance(f"{hub}-{n}", "ProcessOrder", status))
        # Created before the window: never counted, however it ended.
        old = datetime.now(UTC) - timedelta(hours=2)
        host.write(SimulatedInstance(f"{hub}-old", "ProcessOrder", "Failed", created=old))
    return routes


WATCH = ["ramp-watch", "1.1", "--max-failure-rate", "0.05", "--window", "10m"]
FAST = ["--duration", "2s", "--interval", "0.5s", "--min-finished", "5"]
# Every wait here runs on driven time (tests/support/fake_clock.py).
pytestmark = pytest.mark.usefixtures("fake_clock")


def test_a_failing_ramp_is_halted(cli: Cli, store: Azurite) -> None:
    routes = seed(store, ["Failed"] * 3 + ["Completed"] * 7 + ["Running"], ["Completed"] * 10)
    run = routes_cli(cli, store, *WATCH, *FAST)
    assert run.code == 1, run.output
    verdict = json.loads(run.stdout)
    assert verdict["halted"] and verdict["ramping"] == {
        "version": "1.1", "finished": 10, "failed": 3, "failure_rate": 0.3,
    }  # fmt: skip
    assert verdict["current"]["failure_rate"] == 0.0
    assert routes.load().routes["1.1"].ramp == 0


def test_a_ramp_failing_no_more_than_the_current_one_passes(
    cli: Cli, store: Azurite, fake_clock: DrivenClock
) -> None:
    statuses = ["Failed"] * 2 + ["Completed"] * 8
    routes = seed(store, statuses, statuses)
    run = routes_cli(cli, store, *WATCH, *FAST)
    assert run.code == 0, run.output
    assert fake_clock.slept == [0.5] * 4  # it watched the whole --duration
    assert not json.loads(run.stdout)["halted"] and routes.load().routes["1.1"].ramp == 10


def test_too_little_evidence_cannot_decide(cli: Cli, store: Azurite) -> None:
    seed(store, ["Completed"] * 2, ["Completed"] * 10)
    run = routes_cli(cli, store, *WATCH, *FAST)
    assert run.code == 2 and "min-finished" in json.loads(run.stdout)["error"]["message"]


def test_an_unreadable_row_of_the_window_cannot_decide(cli: Cli, store: Azurite) -> None:
    routes = seed(store, ["Completed"] * 10, ["Completed"] * 10)
    table = routes.service.get_table_client(f"{PREFIX}Instances")
    # A row with no RuntimeStatus (see taskhub/instance_rows.py): never counted as finished.
    table.upsert_entity(
        {"PartitionKey": "odd", "RowKey": "", "TaskHubName": "WatchV11",
         "CreatedTime": datetime.now(UTC), "Name": "ProcessOrder"}
    )  # fmt: skip
    run = routes_cli(cli, store, *WATCH, *FAST)
    assert run.code == 2 and "odd" in json.loads(run.stdout)["error"]["message"]
    assert routes.load().routes["1.1"].ramp == 10


def test_no_ramp_or_no_table_cannot_decide(cli: Cli, store: Azurite) -> None:
    routes = seed(store, [], [])
    missing = cli(
        "routes", *WATCH, *FAST, "--tracking-prefix", "NoSuchPrefix",
        "--connection-string", store.connection_string(SECRET_ACCOUNT.name), "--json",
    )  # fmt: skip
    assert missing.code == 2, missing.output
    routes.save(Route("1.1", "b", "https://b.example", "1.1.0", "WatchV11"))
    unramped = routes_cli(cli, store, *WATCH, *FAST)
    assert unramped.code == 2 and "not ramping" in json.loads(unramped.stdout)["error"]["message"]
    assert routes_cli(cli, store, "ramp-watch", "1.1", "--window", "soon").code == 2
