"""`durable-deploy replay-check` against histories written into Azurite (tables and blobs) as
DurableTask.AzureStorage writes them; standins/history_simulator.py cites the sources checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.durable_functions import Orchestrator
from azure.storage.blob import BlobServiceClient
from orders import orchestration

from scripts.stages.replay.judge import Divergence, compare
from scripts.stages.replay.numbering import Step
from standins.azurite import Azurite
from standins.history_simulator import HistoryWriter, Recorded, drive
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.history import HistoryStore, large_messages_container
from taskhub.hubs import TaskHub
from tests.support.helpers import ACTIVITIES, SECRET_ACCOUNT, Cli, replay_check

ORDER = {"id": "o-7", "amount": 40}
BIG = {**ORDER, "note": "x" * 70_000}
# instance id -> (version, recorded steps, failing activity attempts, input)
SCENARIOS: dict[str, tuple[str | None, int, dict[str, int], dict[str, Any]]] = {
    "v1-validated": ("1.0", 2, {}, ORDER),
    "v1-paid-timer-pending": ("1.0", 3, {}, ORDER),
    "v1-shipping": ("1.0", 4, {}, ORDER),
    "v1-large-input": ("1.0", 2, {}, BIG),
    "v0-unversioned": (None, 2, {}, ORDER),
    "v2-discounted": ("2.0", 3, {}, ORDER),
    "v2-payment-retrying": ("2.0", 4, {"ProcessPaymentWithDiscount": 1}, ORDER),
}
LEGACY = [i for i, s in SCENARIOS.items() if s[0] in ("1.0", None)]
CURRENT = [i for i, s in SCENARIOS.items() if s[0] == "2.0"]


def finished(instance_id: str) -> Recorded:
    return drive(
        Orchestrator.create(orchestration.process_order),
        ACTIVITIES,
        instance_id=instance_id,
        version="1.0",
        input=ORDER,
        steps=20,
    )


def record(scenario: str, instance_id: str | None = None) -> Recorded:
    version, steps, failures, given = SCENARIOS[scenario]
    return drive(
        Orchestrator.create(orchestration.process_order),
        ACTIVITIES,
        instance_id=instance_id or scenario,
        version=version,
        input=given,
        steps=steps,
        failures=failures,
    )


@pytest.fixture
def in_flight(
    azurite: Azurite, service: TableServiceClient, host: DurableHostSimulator
) -> dict[str, Recorded]:
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string(SECRET_ACCOUNT.name))
    writer = HistoryWriter(service, blobs, host.hub)
    runs = {instance_id: record(instance_id) for instance_id in SCENARIOS}
    for run in runs.values():
        writer.write(run)
        host.write(running(run))
    done = finished("v1-finished")
    writer.write(done)
    host.write(running(done, "Completed"))
    return runs


def running(run: Recorded, status: str = "Running") -> SimulatedInstance:
    """The Instances row of a recorded run: the ExecutionId names the rows to judge."""
    return SimulatedInstance(
        run.instance_id, run.name, status, run.version, execution_id=run.execution_id
    )


def edited(name: str) -> list[str]:
    """An edited ProcessOrder from standins/replay_variants.py, which imports the app's module."""
    return ["--app-dir", "apps/orders", "--function", f"standins.replay_variants:{name}"]


def outcomes(result: dict[str, Any]) -> dict[str, tuple[str, int | None]]:
    return {i["instance_id"]: (i["outcome"], i["position"]) for i in result["instances"]}


def test_the_unchanged_app_replays_every_in_flight_instance(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, in_flight: dict[str, Recorded]
) -> None:
    run, result = replay_check(
        cli, azurite, host.hub.name, "--app-dir", "apps/orders", "--orchestrator", "ProcessOrder"
    )
    assert run.code == 0, run.output
    assert outcomes(result) == {i: ("ok", None) for i in SCENARIOS}
    assert result["replayed"] == len(SCENARIOS), "the finished instance is not replayed"
    assert SECRET_ACCOUNT.key not in run.output


@pytest.mark.parametrize(
    ("variant", "position", "history", "code"),
    [
        ("reordered", 0, "ValidateOrder", "ProcessPayment"),
        ("renamed", 1, "ProcessPayment", "ChargeCard"),
        ("inserted", 1, "ProcessPayment", "CheckFraud"),
        ("timer_moved", 1, "ProcessPayment", None),
    ],
)
def test_each_change_to_the_legacy_path_is_caught_where_it_diverges(
    cli: Cli,
    azurite: Azurite,
    host: DurableHostSimulator,
    in_flight: dict[str, Recorded],
    variant: str,
    position: int,
    history: str,
    code: str | None,
) -> None:
    run, result = replay_check(cli, azurite, host.hub.name, *edited(variant))
    assert run.code == 1, run.output
    by_id = {i["instance_id"]: i for i in result["instances"]}
    for instance_id in LEGACY:
        found = by_id[instance_id]
        assert (found["outcome"], found["position"]) == ("nondeterministic", position), found
        assert found["history"] == {"event": "TaskScheduled", "name": history}
        expected_code = (
            {"event": "TimerCreated", "name": None}
            if code is None
            else {"event": "TaskScheduled", "name": code}
        )
        assert found["code"] == expected_code
    assert all(by_id[i]["outcome"] == "ok" for i in CURRENT)


def test_a_change_to_the_current_path_only_leaves_legacy_instances_alone(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, in_flight: dict[str, Recorded]
) -> None:
    run, result = replay_check(cli, azurite, host.hub.name, *edited("current_path_only"))
    assert run.code == 1, run.output
    found = outcomes(result)
    assert all(found[i] == ("ok", None) for i in LEGACY)
    assert all(found[i] == ("nondeterministic", 1) for i in CURRENT)
    only_legacy, result = replay_check(
        cli,
        azurite,
        host.hub.name,
        *edited("current_path_only"),
        "--version",
        "1.0",
    )
    assert only_legacy.code == 0, only_legacy.output
    assert set(outcomes(result)) == {i for i in LEGACY if SCENARIOS[i][0] == "1.0"}


def test_code_that_raises_is_reported_with_its_frames(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, in_flight: dict[str, Recorded]
) -> None:
    run, result = replay_check(cli, azurite, host.hub.name, *edited("broken"))
    assert run.code == 1, run.output
    failed = {i["instance_id"]: i for i in result["instances"] if i["outcome"] == "error"}
    assert set(failed) == set(LEGACY)
    frames = failed["v1-validated"]["error"]
    assert frames[0].startswith("KeyError") and "customer" in frames[0]
    assert any("replay_variants.py" in frame and "broken" in frame for frame in frames)


def test_a_sample_replays_only_n_instances(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, in_flight: dict[str, Recorded]
) -> None:
    run, result = replay_check(cli, azurite, host.hub.name, *edited("renamed"), "--instances", "2")
    assert result["replayed"] == 2
    assert run.code in (0, 1)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--function", "no_such_module:flow"], "cannot be imported"),
        (["--app-dir", "apps/orders", "--orchestrator", "Nope"], "ProcessOrder"),
        ([], "no orchestrator named"),
    ],
)
def test_an_unusable_app_exits_2(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, args: list[str], says: str
) -> None:
    run, result = replay_check(cli, azurite, host.hub.name, *args)
    assert run.code == 2, run.output
    assert says in json.dumps(result["error"])


def test_a_missing_hub_exits_2(cli: Cli, azurite: Azurite) -> None:
    run, result = replay_check(cli, azurite, "NoSuchHub", *edited("renamed"))
    assert run.code == 2, run.output
    assert "does not exist" in result["error"]["message"]


def test_the_reader_takes_large_values_from_blobs_and_skips_older_generations(
    azurite: Azurite, service: TableServiceClient, host: DurableHostSimulator
) -> None:
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string(SECRET_ACCOUNT.name))
    writer = HistoryWriter(service, blobs, host.hub)
    writer.write(finished("o/1"))
    newer = record("v1-large-input", instance_id="o/1")
    writer.write(newer)  # ContinueAsNew: the new generation overwrites rows 0..n only
    container = blobs.get_container_client(large_messages_container(host.hub))
    assert sum(1 for _ in container.list_blobs()) >= 2, "large values went to blobs"
    read = HistoryStore(service, host.hub, _reader(container)).history("o/1")
    assert read.execution_id == newer.execution_id
    assert len(read.events) == len(newer.events)
    started = read.started()
    # Input as the Python client writes it: the JSON, encoded once more (history_simulator).
    assert started is not None and json.loads(json.loads(started["Input"])) == BIG
    assert started["OrchestrationInstance"]["InstanceId"] == "o/1"
    assert all(isinstance(e["EventType"], int) for e in read.events)
    assert read.events[0]["Timestamp"].endswith("Z")


def _reader(container: Any) -> Any:
    return lambda name: container.download_blob(name).readall()


def test_history_rows_use_the_hub_table(service: TableServiceClient) -> None:
    assert HistoryStore(service, TaskHub("Orders")).table.table_name == "OrdersHistory"
    shared = TaskHub("Orders", tracking_prefix="Shared")
    assert HistoryStore(service, shared).table.table_name == "SharedHistory"


def test_compare_matches_each_recorded_event_to_the_same_sequence_number() -> None:
    a, b = Step("TaskScheduled", "A"), Step("TaskScheduled", "B")
    timer = Step("TimerCreated", None)
    # HandleTaskScheduledEvent: names compare OrdinalIgnoreCase; new work beyond is fine.
    emitted = {0: Step("TaskScheduled", "a"), 1: b, 2: timer}
    assert compare([(0, a), (1, b)], emitted) is None
    assert compare([(0, a), (1, b)], {0: a}) == Divergence(1, b, None), "stopped short"
    # HandleTimerCreatedEvent: a timer is checked by type only, never by FireAt.
    assert compare([(0, a), (1, timer), (2, a)], {0: a, 1: timer, 2: a}) is None
    assert compare([(0, a), (1, timer)], {0: a, 1: b}) == Divergence(1, timer, b)


def _reminder(context: Any) -> Any:
    """A second orchestrator of the same hub: a timer, then an activity."""
    yield context.create_timer(context.current_utc_datetime)
    return (yield context.call_activity("ValidateOrder", ORDER))


def test_one_function_and_instances_of_several_orchestrators_is_cannot_decide(
    cli: Cli,
    azurite: Azurite,
    service: TableServiceClient,
    host: DurableHostSimulator,
    in_flight: dict[str, Recorded],
) -> None:
    """A bare --function is one orchestrator's code: replaying another's instances through
    it would call them nondeterministic although nothing of theirs changed."""
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string(SECRET_ACCOUNT.name))
    reminder = drive(
        Orchestrator.create(_reminder),
        ACTIVITIES,
        instance_id="reminder-1",
        version="1.0",
        input=None,
        steps=1,
        name="SendReminder",
    )
    HistoryWriter(service, blobs, host.hub).write(reminder)
    host.write(running(reminder))
    unchanged = ["--app-dir", "apps/orders", "--function", "orders.orchestration:process_order"]
    run, result = replay_check(cli, azurite, host.hub.name, *unchanged)
    assert run.code == 2, run.output
    assert "ProcessOrder, SendReminder" in result["error"]["message"]
    assert "--name" in result["error"]["fix"]
    run, result = replay_check(cli, azurite, host.hub.name, *unchanged, "--name", "ProcessOrder")
    assert run.code == 0, run.output
    assert "reminder-1" not in outcomes(result)
