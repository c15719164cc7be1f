"""Hubs in known states, reached by running orchestrations (never by writing states).

`busy_hub` leaves instances in every status the in-memory backend can show: Running (each
waiting for its event), Pending (an orchestrator no worker registers), Suspended, and the
finished ones (Completed, Failed, Terminated). ContinuedAsNew it cannot show: the backend
moves a continued instance to Pending at once (`_process_complete_orchestration_action`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from durabletask import task
from durabletask.client import OrchestrationState, OrchestrationStatus, TaskHubGrpcClient

from standins.scheduler import programs
from standins.scheduler.worker import wait_until


def waiting(state: OrchestrationState) -> bool:
    return (
        state.runtime_status == OrchestrationStatus.RUNNING
        and state.serialized_custom_status == json.dumps(programs.WAITING)
    )


def has_status(status: OrchestrationStatus) -> Callable[[OrchestrationState], bool]:
    return lambda state: state.runtime_status == status


@dataclass
class Scenario:
    unfinished: dict[str, str] = field(default_factory=dict)
    """instance id -> runtime status, as the storage backend spells it."""
    finished: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    """instance id -> the version it was started with ("" for none)."""


def start_waiting(
    client: TaskHubGrpcClient,
    scenario: Scenario,
    orchestrator: task.Orchestrator[Any, Any],
    instance_id: str,
    order: Any,
    version: str | None = None,
) -> None:
    client.schedule_new_orchestration(
        orchestrator,
        input=order,
        instance_id=instance_id,
        version=version,
    )
    wait_until(client, instance_id, waiting)
    scenario.unfinished[instance_id] = "Running"
    scenario.versions[instance_id] = version or ""


def busy_hub(client: TaskHubGrpcClient) -> Scenario:
    """Ten unfinished instances (Running, Pending, Suspended) and four finished ones."""
    s = Scenario()
    start_waiting(client, s, programs.flow, "flow-1", {"order": "o-1"}, "1.0")
    s.finished["flow-1-child"] = "Completed"
    s.versions["flow-1-child"] = ""
    start_waiting(client, s, programs.retrying, "retry-1", {"order": "o-2"}, "1.0")
    start_waiting(client, s, programs.eternal, "eternal-1", {"n": 0}, "2.0")
    start_waiting(client, s, programs.caught, "caught-1", {"order": "o-3"})
    for number in (1, 2, 3):
        start_waiting(client, s, programs.waiting, f"wait-{number}", {"order": number}, "2.0")
    for number in (1, 2):
        instance = f"pending-{number}"
        client.schedule_new_orchestration(
            programs.UNREGISTERED, input={}, instance_id=instance, version="1.0"
        )
        s.unfinished[instance] = "Pending"
        s.versions[instance] = "1.0"
    start_waiting(client, s, programs.waiting, "suspended-1", {"order": "s"}, "2.0")
    client.suspend_orchestration("suspended-1")
    wait_until(client, "suspended-1", has_status(OrchestrationStatus.SUSPENDED))
    s.unfinished["suspended-1"] = "Suspended"
    for instance, end, status in (
        ("done-1", "approve", "Completed"),
        ("terminated-1", "terminate", "Terminated"),
    ):
        start_waiting(client, s, programs.waiting, instance, {"order": instance}, "1.0")
        del s.unfinished[instance]
        if end == "approve":
            client.raise_orchestration_event(instance, programs.APPROVE, data={"ok": True})
        else:
            client.terminate_orchestration(instance)
        wait_until(client, instance, has_status(OrchestrationStatus[status.upper()]))
        s.finished[instance] = status
    client.schedule_new_orchestration(
        programs.doomed, input={"order": "x"}, instance_id="failed-1", version="1.0"
    )
    wait_until(client, "failed-1", has_status(OrchestrationStatus.FAILED))
    s.finished["failed-1"] = "Failed"
    s.versions["failed-1"] = "1.0"
    return s


def drained_hub(client: TaskHubGrpcClient, count: int = 5) -> Scenario:
    """`count` instances, each run to completion."""
    s = Scenario()
    for number in range(count):
        instance = f"done-{number}"
        start_waiting(client, s, programs.waiting, instance, {"order": number}, "1.0")
        del s.unfinished[instance]
        client.raise_orchestration_event(instance, programs.APPROVE, data={"ok": True})
        wait_until(client, instance, has_status(OrchestrationStatus.COMPLETED))
        s.finished[instance] = "Completed"
    return s
