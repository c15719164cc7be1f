"""A stand-in for the Durable Task runtime's history: what it records, written to a hub.

Tests and `make run` use it where a real Functions host would have run orchestrations.

`drive` plays the runtime around the sample app's orchestrator: each episode it hands the
SDK the history so far, records a TaskScheduled / TimerCreated / SubOrchestration... event for
every new action (numbered like DurableTask.Core numbers them, a retrying call expanding to
TaskScheduled, TaskFailed, TimerCreated, TimerFired, TaskScheduled), runs the activity
functions for real and records their results or failures. It stops where a test wants an
instance to be "in flight".

`HistoryWriter` stores such a history the way DurableTask.AzureStorage does. Checked
against the public sources (Azure/durabletask, src/DurableTask.AzureStorage/Tracking/):
- AzureTableTrackingStore.UpdateStateAsync: PartitionKey = the (escaped) instance id,
  RowKey = the event's sequence number formatted "X16", an ExecutionId column on every row,
  and a `sentinel` row carrying the ExecutionId written with every batch;
- CompressLargeMessageAsync: an Input/Result/Output value over 60 KB is gzipped into the
  `{hub}-largemessages` container, the cell becomes "" and `<Prop>BlobName` names the blob;
- GetHistoryEventsAsync: rows come back in RowKey order, the newest generation first, and
  reading stops at the first row of another ExecutionId (ContinueAsNew leftovers);
- TableEntityConverter: enums as their names, nested objects (OrchestrationInstance,
  ParentInstance, FailureDetails) as JSON strings, the event time as `_Timestamp`.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.blob import BlobServiceClient

from scripts.replay import ACTION_RECORDS, Handle, context_body, flatten_actions
from taskhub.history import History, large_messages_container, to_worker_event
from taskhub.hubs import TaskHub, escape_instance_id

LARGE = 60 * 1024
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@dataclass
class Recorded:
    instance_id: str
    name: str
    version: str | None
    input: Any
    execution_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    events: list[dict[str, Any]] = field(default_factory=list)
    clock: datetime = START

    def add(self, kind: str, event_id: int = -1, **fields: Any) -> dict[str, Any]:
        self.clock += timedelta(milliseconds=250)
        event = {"EventType": kind, "EventId": event_id, "IsPlayed": True, **fields}
        event["_Timestamp"] = self.clock
        self.events.append(event)
        return event

    def history(self) -> History:
        """What the reader would give back, without a table in between."""
        return History(
            self.instance_id, self.execution_id, [to_worker_event(e, None) for e in self.events]
        )

    def scheduled(self) -> list[str]:
        return [e.get("Name") or "timer" for e in self.events if e["EventType"] in RECORDS]


RECORDS = ("TaskScheduled", "TimerCreated", "SubOrchestrationInstanceCreated", "EventSent")


def drive(
    handle: Handle,
    activities: dict[str, Callable[[Any], Any]],
    *,
    instance_id: str,
    version: str | None,
    input: Any,
    steps: int,
    failures: dict[str, int] | None = None,
    name: str = "ProcessOrder",
) -> Recorded:
    """Runs the orchestrator for `steps` recorded actions (or to its end); see the module doc."""
    failures = dict(failures or {})
    run = Recorded(instance_id, name, version, input)
    run.add("OrchestratorStarted")
    run.add(
        "ExecutionStarted",
        Name=name,
        Version=version or "",
        Input=json.dumps(input),
        OrchestrationInstance=json.dumps(
            {"InstanceId": instance_id, "ExecutionId": run.execution_id}
        ),
    )
    next_id = 0
    done = 0
    while done < steps:
        state = json.loads(handle(_Body(context_body(run.history()))))
        if state.get("isDone"):
            break
        actions = flatten_actions(state["actions"])
        emitted = [a for a in actions if ACTION_RECORDS.get(a["actionType"])]
        new = emitted[_consumed(run) :]
        if not new:
            raise AssertionError(f"the orchestrator waits for nothing we can give: {state}")
        action = new[0]
        run.add("OrchestratorCompleted")
        run.add("OrchestratorStarted")
        if action["actionType"] == 5:
            run.add("TimerCreated", next_id, FireAt=action["fireAt"])
            next_id, done = next_id + 1, done + 1
            if done >= steps:
                return run
            run.add("TimerFired", TimerId=next_id - 1, FireAt=action["fireAt"])
            continue
        activity = action["functionName"]
        given = action.get("input")
        argument = json.loads(given) if isinstance(given, str) else given
        while True:
            run.add("TaskScheduled", next_id, Name=activity, Input=json.dumps(argument))
            scheduled, next_id, done = next_id, next_id + 1, done + 1
            if done >= steps:
                return run
            if failures.get(activity, 0) > 0 and action["actionType"] == 1:
                failures[activity] -= 1
                run.add("TaskFailed", TaskScheduledId=scheduled, Reason="provider timeout")
                fire_at = (run.clock + timedelta(seconds=5)).isoformat().replace("+00:00", "Z")
                run.add("TimerCreated", next_id, FireAt=fire_at)
                run.add("TimerFired", TimerId=next_id, FireAt=fire_at)
                next_id += 1
                continue
            run.add(
                "TaskCompleted",
                TaskScheduledId=scheduled,
                Result=json.dumps(activities[activity](argument)),
            )
            break
    return run


def _consumed(run: Recorded) -> int:
    """How many emitted actions the recorded events already answer (retries count once)."""
    count, previous = 0, None
    for event in run.events:
        kind = event["EventType"]
        if kind == "TaskScheduled" and previous == "TimerAfterFailure":
            previous = kind
            continue
        if kind == "TimerCreated" and previous == "TaskFailed":
            previous = "TimerAfterFailure"
            continue
        if kind in RECORDS:
            count += 1
        if kind in RECORDS or kind == "TaskFailed":
            previous = kind
    return count


@dataclass(frozen=True)
class _Body:
    body: str


class HistoryWriter:
    """Writes `Recorded` histories into a hub's History table and large-messages container."""

    def __init__(self, service: TableServiceClient, blobs: BlobServiceClient, hub: TaskHub) -> None:
        self.table = service.create_table_if_not_exists(hub.history_table)
        self.container = blobs.get_container_client(large_messages_container(hub))
        if not self.container.exists():
            self.container.create_container()

    def write(self, run: Recorded) -> None:
        key = escape_instance_id(run.instance_id)
        for sequence, event in enumerate(run.events):
            row = {
                "PartitionKey": key,
                "RowKey": f"{sequence:016X}",
                "ExecutionId": run.execution_id,
            }
            for prop, value in event.items():
                if prop in ("Input", "Result") and isinstance(value, str) and len(value) > LARGE:
                    kind = event["EventType"]
                    blob = f"{run.instance_id}/history-{sequence:016X}-{kind}-{prop}.json.gz"
                    self.container.upload_blob(blob, gzip.compress(value.encode()))
                    row[f"{prop}BlobName"] = blob
                    value = ""
                row[prop] = value
            self.table.upsert_entity(row, mode=UpdateMode.REPLACE)
        self.table.upsert_entity(
            {"PartitionKey": key, "RowKey": "sentinel", "ExecutionId": run.execution_id}
        )
