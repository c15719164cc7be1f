"""A stand-in for the Durable Task runtime's history: what it records, written to a hub.

Tests and `make run` use it where a real Functions host would have run orchestrations.

`drive` plays the runtime around an orchestrator. It keeps its own sequence counter, as
DurableTask.Core does (TaskOrchestrationContext: `int id = this.idCounter++` for every
ScheduleTask, CreateTimer, CreateSubOrchestrationInstance and SendEvent), and records what
the runtime records (Azure/durabletask, src/DurableTask.Core):
- episodes as TaskOrchestrationDispatcher.OnProcessWorkItemAsync appends them:
  OrchestratorStarted, the new messages (ExecutionStarted, TaskCompleted, TaskFailed,
  TimerFired, SubOrchestrationInstanceCompleted, EventRaised), the decisions
  (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated, EventSent,
  ExecutionCompleted), then OrchestratorCompleted;
- IsPlayed as TaskOrchestrationExecutor.ExecuteCore leaves it when the episode is written:
  every event it processed is set `IsPlayed = true` (the messages), OrchestratorStarted is
  skipped before that line and the decisions are added after it, so both stay false;
- retries as RetryInterceptor.Invoke does them: after each failed attempt a TimerCreated
  for the delay, then the next TaskScheduled when it fires; after the last failed attempt
  one more timer due at once ("Dummy timer for back-compat") before the failure reaches
  the orchestrator;
- entity calls and signals as the extension sends them
  (DurableOrchestrationContext.SendEntityMessage): EventSent to `@<entity>@<key>`
  (EntityId.GetSchedulerId) named "op" (EntityMessageEventNames.RequestMessageEventName),
  Input a RequestMessage (`op`, `signal`, `input`, `id`, `parent`); a call's answer is an
  EventRaised named by the request id whose Input is a ResponseMessage (`result`).
It runs activities (and sub-orchestrations, given as functions) for real and stops after
`steps` recorded decisions, where a test wants an instance to be "in flight".
- the instance is started as a Python app's client starts it: DurableOrchestrationClient.
  start_new posts `json=df_dumps(client_input)` (azure-functions-durable, models/
  DurableOrchestrationClient.py, utils/http_utils.py post_async_request), a JSON string
  holding the JSON; the extension's HttpApiHandler.HandleStartOrchestratorRequestAsync
  deserializes the body (that string) and StartNewAsync serializes it again, so
  ExecutionStarted.Input holds the input encoded twice. The context body's `input` is that
  decoded once (OrchestrationTriggerBinding.OrchestrationContextToString, GetInputAsJson),
  a string the SDK's get_input decodes into the value, whatever its type.

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

from scripts.stages.replay.judge import context_body
from taskhub.history import PLAYED_EVENTS, History, large_messages_container, to_worker_event
from taskhub.hubs import TaskHub, escape_instance_id

LARGE = 60 * 1024
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
Handle = Callable[[Any], str]
"""What `Orchestrator.create(fn)` returns: the function the Functions host calls."""
RECORDS = ("TaskScheduled", "TimerCreated", "SubOrchestrationInstanceCreated", "EventSent")
_CALLS = {0: "TaskScheduled", 1: "TaskScheduled", 2: "SubOrchestrationInstanceCreated"}
_CALLS |= {3: "SubOrchestrationInstanceCreated", 5: "TimerCreated", 7: "EventSent"}
_CALLS |= {9: "EventSent"}
_RETRYING = (1, 3)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


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
        event = {
            "EventType": kind,
            "EventId": event_id,
            "IsPlayed": kind in PLAYED_EVENTS,
            **fields,
        }
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


@dataclass
class _Call:
    """One outstanding action the runtime still has to answer."""

    action: dict[str, Any]
    event_id: int
    attempt: int = 1
    timer_for_retry: bool = False


class _Runtime:
    """The runtime's side of one instance: numbering, recording, answering."""

    def __init__(
        self, run: Recorded, activities: dict[str, Callable[[Any], Any]], failures: dict[str, int]
    ) -> None:
        self.run = run
        self.activities = activities
        self.failures = failures
        self.next_id = 0
        self.decisions = 0
        self.pending: list[_Call] = []

    def decide(self, kind: str, **fields: Any) -> int:
        event_id, self.next_id = self.next_id, self.next_id + 1
        self.run.add(kind, event_id, **fields)
        self.decisions += 1
        return event_id

    def issue(self, action: dict[str, Any]) -> None:
        kind = int(action["actionType"])
        argument = action.get("input")
        if kind == 5:
            call = _Call(action, self.decide("TimerCreated", FireAt=action["fireAt"]))
        elif kind in (7, 9):
            request = {
                "op": action["operation"],
                "signal": kind == 9,
                "input": argument,
                "id": str(uuid.uuid4()),
                "parent": self.run.instance_id,
                "parentExecution": self.run.execution_id,
            }
            call = _Call({**action, "request": request}, 0)
            call.event_id = self.decide(
                "EventSent", InstanceId=action["instanceId"], Name="op", Input=json.dumps(request)
            )
            if kind == 9:
                return  # a signal is fire and forget
        else:
            if kind in (2, 3) and not action.get("instanceId"):
                action = {**action, "instanceId": uuid.uuid4().hex}
            call = _Call(action, self.decide(_CALLS[kind], **_call_fields(action)))
        self.pending.append(call)

    def answer(self, call: _Call) -> None:
        """One episode's message for the oldest outstanding call, and a retry's decisions."""
        kind = int(call.action["actionType"])
        if kind == 5 or call.timer_for_retry:
            self.run.add("TimerFired", TimerId=call.event_id, FireAt=call.action.get("fireAt"))
            if call.timer_for_retry:
                self._after_retry_timer(call)
            return
        if kind == 7:
            result = {"result": json.dumps(self.activities[call.action["operation"]](None))}
            self.run.add("EventRaised", Name=call.action["request"]["id"], Input=json.dumps(result))
            return
        name = call.action["functionName"]
        scheduled_id = call.event_id
        sub = kind in (2, 3)
        if self.failures.get(name, 0) > 0:
            self.failures[name] -= 1
            failed = "SubOrchestrationInstanceFailed" if sub else "TaskFailed"
            self.run.add(failed, TaskScheduledId=scheduled_id, Reason="provider timeout")
            if kind in _RETRYING:
                self._retry_timer(call)
            return
        completed = "SubOrchestrationInstanceCompleted" if sub else "TaskCompleted"
        result = self.activities[name](_parsed(call.action.get("input")))
        self.run.add(completed, TaskScheduledId=scheduled_id, Result=json.dumps(result))

    def _retry_timer(self, call: _Call) -> None:
        options = call.action.get("retryOptions") or {}
        last = call.attempt >= int(options.get("maxNumberOfAttempts", 1))
        delay = 0 if last else int(options.get("firstRetryIntervalInMilliseconds", 0))
        fire_at = _iso(self.run.clock + timedelta(milliseconds=delay))
        timer_id = self.decide("TimerCreated", FireAt=fire_at)
        self.pending.insert(
            0, _Call({**call.action, "fireAt": fire_at}, timer_id, call.attempt, True)
        )

    def _after_retry_timer(self, call: _Call) -> None:
        options = call.action.get("retryOptions") or {}
        if call.attempt >= int(options.get("maxNumberOfAttempts", 1)):
            return  # the dummy timer fired: the failure now reaches the orchestrator
        kind = int(call.action["actionType"])
        retry = {k: v for k, v in call.action.items() if k != "fireAt"}
        # RetryInterceptor runs the same call again: same name, input and instance id.
        event_id = self.decide(_CALLS[kind], **_call_fields(retry))
        self.pending.insert(0, _Call(retry, event_id, call.attempt + 1))


def _call_fields(action: dict[str, Any]) -> dict[str, Any]:
    """TaskScheduled / SubOrchestrationInstanceCreated fields for an activity or child call."""
    fields = {"Name": action["functionName"], "Input": _json(action.get("input"))}
    if int(action["actionType"]) in (2, 3):
        fields["InstanceId"] = action["instanceId"]
    return fields


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


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
    """Runs the orchestrator for `steps` recorded decisions (or to its end); see the module doc."""
    run = Recorded(instance_id, name, version, input)
    runtime = _Runtime(run, activities, dict(failures or {}))
    run.add("OrchestratorStarted")
    run.add(
        "ExecutionStarted",
        Name=name,
        Version=version or "",
        Input=json.dumps(json.dumps(input)),
        OrchestrationInstance=json.dumps(
            {"InstanceId": instance_id, "ExecutionId": run.execution_id}
        ),
    )
    issued = 0
    while True:
        try:
            state = json.loads(handle(_Body(context_body(run.history()))))
        except Exception as exc:  # the orchestrator failed: ExecutionCompleted, Failed
            run.add("ExecutionCompleted", OrchestrationStatus="Failed", Result=str(exc)[:200])
            run.add("OrchestratorCompleted")
            return run
        actions = [a for a in _flatten(state["actions"]) if int(a["actionType"]) in _CALLS]
        for action in actions[issued:]:
            if runtime.decisions < steps:
                runtime.issue(action)
                issued += 1
        if state.get("isDone"):
            run.add(
                "ExecutionCompleted",
                OrchestrationStatus="Completed",
                Result=json.dumps(state.get("output")),
            )
            run.add("OrchestratorCompleted")
            return run
        run.add("OrchestratorCompleted")
        if runtime.decisions >= steps:
            return run
        if not runtime.pending:
            raise AssertionError(f"the orchestrator waits for nothing we can give: {state}")
        run.add("OrchestratorStarted")
        runtime.answer(runtime.pending.pop(0))


def _flatten(actions: list[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for action in actions:
        if isinstance(action, list):
            flat += _flatten(action)
        elif action.get("actionType") in (11, 12):
            flat += _flatten(action.get("compoundActions") or [])
        else:
            flat.append(action)
    return flat


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

    def rows(self, run: Recorded) -> list[dict[str, Any]]:
        """The run's rows, the sentinel last; large values uploaded to blobs on the way."""
        key = escape_instance_id(run.instance_id)
        rows = []
        for sequence, event in enumerate(run.events):
            row = {
                "PartitionKey": key,
                "RowKey": f"{sequence:016X}",
                "ExecutionId": run.execution_id,
            }
            for prop, value in event.items():
                if prop in ("Input", "Result") and isinstance(value, str) and len(value) > LARGE:
                    kind = event["EventType"]
                    blob = f"{key}/history-{sequence:016X}-{kind}-{prop}.json.gz"
                    self.container.upload_blob(blob, gzip.compress(value.encode()))
                    row[f"{prop}BlobName"] = blob
                    value = ""
                if value is not None:
                    row[prop] = value
            rows.append(row)
        rows.append({"PartitionKey": key, "RowKey": "sentinel", "ExecutionId": run.execution_id})
        return rows

    def write(self, run: Recorded) -> None:
        for row in self.rows(run):
            self.table.upsert_entity(row, mode=UpdateMode.REPLACE)
