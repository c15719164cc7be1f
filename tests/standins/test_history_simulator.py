"""The history simulator records what the runtime records: its output for a flow equals the
history written by hand from the DurableTask sources (tests/support/durabletask_rows.py)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.durable_functions import Orchestrator

from standins.history_simulator import drive
from tests.support import replay_programs
from tests.support.durabletask_rows import Instance, unchanged_cases

SHAPE = ("EventType", "EventId", "IsPlayed", "Name", "TaskScheduledId", "TimerId", "InstanceId")
ANSWERS = {
    "Charge": lambda _: "charged",
    "Refund": lambda _: "refunded",
    "Ship": lambda _: "shipped",
    "Report": lambda _: "reported",
    "Child": lambda _: 5,
    "get": lambda _: 5,  # the counter entity's operation
}


def _shape(event: dict[str, Any]) -> tuple[Any, ...]:
    kind = event["EventType"]
    shown = {k: event.get(k) for k in SHAPE}
    if kind == "EventRaised":
        shown["Name"] = "(the request id)"
    if kind not in ("EventSent", "SubOrchestrationInstanceCreated"):
        shown["InstanceId"] = None
    return tuple(shown.values())


def _case(instance_id: str) -> Instance:
    return next(c for c in unchanged_cases() if c.instance_id == instance_id)


@pytest.mark.parametrize(
    ("instance_id", "case", "decisions", "failures"),
    [
        ("retry-exhausted", "retry", 7, {"Charge": 3}),
        ("retry-pending", "retry", 2, {"Charge": 1}),
        ("child-retry", "child-retry", 4, {"Child": 1}),
        ("entities", "entities", 3, {}),
    ],
)
def test_the_simulator_records_a_flow_as_the_runtime_does(
    instance_id: str, case: str, decisions: int, failures: dict[str, int]
) -> None:
    expected = _case(instance_id)
    run = drive(
        Orchestrator.create(replay_programs.unchanged),
        ANSWERS,
        instance_id=instance_id,
        version=expected.version,
        input={"case": case, "id": "o-7"},
        steps=decisions,
        failures=failures,
        name="Flow",
    )
    assert [_shape(e) for e in run.events] == [_shape(r) for r in expected.history_rows()]
