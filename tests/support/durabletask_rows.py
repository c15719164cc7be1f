"""History and Instances rows written by hand the way DurableTask.AzureStorage writes them.

Not produced by the code under test nor by standins/history_simulator.py: each history
below is spelled out event by event, with literal sequence numbers, from the sources
(Azure/durabletask @ 5217032, Azure/azure-functions-durable-extension):

- Rows (src/DurableTask.AzureStorage/Tracking/AzureTableTrackingStore.cs,
  UpdateStateAsync): PartitionKey the escaped instance id, RowKey
  `sequenceNumber.ToString("X16")`, an ExecutionId on every row, a `sentinel` row with the
  ExecutionId; TableEntityConverter.Serialize: enums as names (EventType,
  OrchestrationStatus), nested objects as JSON strings, `Timestamp` stored as `_Timestamp`;
  null properties are not written (no Version column for an unversioned instance).
- Episodes (src/DurableTask.Core/TaskOrchestrationDispatcher.cs, OnProcessWorkItemAsync):
  OrchestratorStarted, the new messages, the decisions, OrchestratorCompleted.
- IsPlayed (src/DurableTask.Core/TaskOrchestrationExecutor.cs, ExecuteCore/ProcessEvents):
  processed events (the messages) are set IsPlayed = true before the episode is written;
  OrchestratorStarted is skipped before that line and decisions are added after it.
- EventId (src/DurableTask.Core/TaskOrchestrationContext.cs): `idCounter++` per
  ScheduleTask, CreateTimer, CreateSubOrchestrationInstance and SendEvent; -1 elsewhere.
- Retries (src/DurableTask.Core/RetryInterceptor.cs, Invoke): a TimerCreated after each
  failure, the next attempt after it fires, and after the last failure a "Dummy timer for
  back-compat" due at once.
- Entities (extension: DurableOrchestrationContext.SendEntityMessage,
  EntityMessageEventNames, RequestMessage, ResponseMessage, EntityId.GetSchedulerId):
  EventSent to `@name@key` named "op", Input `{"op", "signal", "input", "id", "parent"}`;
  the answer an EventRaised named by the request id, Input `{"result": "<json>"}`.
- CallHttp (extension: ScheduleDurableHttpActivityAsync, HttpOptions.
  HttpTaskActivityReservedName): a TaskScheduled named "BuiltIn::HttpActivity".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.blob import BlobServiceClient, ContainerClient

from taskhub.history import large_messages_container
from taskhub.hubs import TaskHub, escape_instance_id

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MESSAGES = {
    "ExecutionStarted",
    "TaskCompleted",
    "TaskFailed",
    "TimerFired",
    "SubOrchestrationInstanceCompleted",
    "SubOrchestrationInstanceFailed",
    "EventRaised",
    "ExecutionRewound",
}
Event = tuple[str, dict[str, Any]]


def started(
    case: str, instance_id: str, execution: str, version: str | None = "1.0", **more: Any
) -> Event:
    fields: dict[str, Any] = {
        "Name": "Flow",
        "Input": json.dumps({"case": case, "id": "o-7", **more}),
        "OrchestrationInstance": json.dumps({"InstanceId": instance_id, "ExecutionId": execution}),
    }
    if version is not None:
        fields["Version"] = version
    return ("ExecutionStarted", fields)


def scheduled(event_id: int, name: str) -> Event:
    return ("TaskScheduled", {"EventId": event_id, "Name": name, "Input": '"x"'})


def completed(task: int, result: Any = "ok") -> Event:
    return ("TaskCompleted", {"TaskScheduledId": task, "Result": json.dumps(result)})


def failed(task: int) -> Event:
    return ("TaskFailed", {"TaskScheduledId": task, "Reason": "boom", "Details": "trace"})


def timer(event_id: int, minutes: float = 1) -> Event:
    fire_at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    return ("TimerCreated", {"EventId": event_id, "FireAt": fire_at})


def fired(timer_id: int) -> Event:
    return ("TimerFired", {"TimerId": timer_id, "FireAt": T0.isoformat().replace("+00:00", "Z")})


def sent(event_id: int, entity: str, operation: str, request: str, *, signal: bool) -> Event:
    message = {"op": operation, "signal": signal, "id": request, "parent": "p"}
    return (
        "EventSent",
        {"EventId": event_id, "InstanceId": entity, "Name": "op", "Input": json.dumps(message)},
    )


def raised(name: str, result: Any) -> Event:
    return ("EventRaised", {"Name": name, "Input": json.dumps({"result": json.dumps(result)})})


@dataclass
class Instance:
    """One instance: its Instances row and its History rows, episode by episode."""

    instance_id: str
    execution: str
    episodes: list[list[Event]]
    status: str = "Running"
    name: str | None = "Flow"
    version: str | None = "1.0"
    extra_rows: list[dict[str, Any]] = field(default_factory=list)
    """Rows written as they stand (leftovers of another execution, damaged rows)."""
    sentinel: str | None = None
    """The ExecutionId the sentinel names; default `execution`."""

    def history_rows(self) -> list[dict[str, Any]]:
        key = escape_instance_id(self.instance_id)
        rows: list[dict[str, Any]] = []
        moment = T0
        for episode in self.episodes:
            events = [("OrchestratorStarted", {}), *episode, ("OrchestratorCompleted", {})]
            for kind, fields in events:
                moment += timedelta(milliseconds=100)
                rows.append(
                    {
                        "PartitionKey": key,
                        "RowKey": f"{len(rows):016X}",
                        "ExecutionId": self.execution,
                        "EventType": kind,
                        "EventId": fields.get("EventId", -1),
                        "IsPlayed": kind in MESSAGES,
                        "_Timestamp": moment,
                        **{k: v for k, v in fields.items() if k != "EventId"},
                    }
                )
        return rows

    def instance_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "PartitionKey": escape_instance_id(self.instance_id),
            "RowKey": "",
            "ExecutionId": self.execution,
            "RuntimeStatus": self.status,
            "CreatedTime": T0,
            "LastUpdatedTime": T0,
        }
        if self.status == "Completed":
            row["CompletedTime"] = datetime.now(UTC) - timedelta(hours=1)
        if self.name is not None:
            row["Name"] = self.name
        if self.version is not None:
            row["Version"] = self.version
        return row


def write(service: TableServiceClient, hub: TaskHub, instances: list[Instance]) -> None:
    history = service.create_table_if_not_exists(hub.history_table)
    rows = service.create_table_if_not_exists(hub.instances_table)
    for instance in instances:
        key = escape_instance_id(instance.instance_id)
        for row in [*instance.history_rows(), *instance.extra_rows]:
            history.upsert_entity(row, mode=UpdateMode.REPLACE)
        if instance.episodes or instance.extra_rows:
            sentinel = instance.sentinel or instance.execution
            history.upsert_entity(
                {"PartitionKey": key, "RowKey": "sentinel", "ExecutionId": sentinel}
            )
        rows.upsert_entity(instance.instance_row(), mode=UpdateMode.REPLACE)


# The base "flow" (tests/support/replay_programs.py _flow), recorded up to Ship being scheduled:
# Validate (0), a timer (1), task_any of QuoteA (2) and QuoteB (3) won by B, an entity
# call (4) answered, Ship (5).
def flow(instance_id: str = "flow-1", execution: str = "e-flow") -> Instance:
    return Instance(
        instance_id,
        execution,
        [
            [started("flow", instance_id, execution), scheduled(0, "Validate")],
            [completed(0), timer(1)],
            [fired(1), scheduled(2, "QuoteA"), scheduled(3, "QuoteB")],
            [completed(3, 12), sent(4, "@ledger@o-7", "add", "5f3c-req-1", signal=False)],
            [raised("5f3c-req-1", 1), scheduled(5, "Ship")],
        ],
    )


def large_messages(connection_string: str, hub: TaskHub) -> ContainerClient:
    """The hub's large-messages container, created empty (the host creates it on start)."""
    blobs = BlobServiceClient.from_connection_string(connection_string)
    container = blobs.get_container_client(large_messages_container(hub))
    container.create_container()
    return container


def flows_with_started(changes: dict[str, dict[str, Any]]) -> list[Instance]:
    """The base flow (as "flow-1") and one flow per id whose ExecutionStarted row (row 1)
    carries that id's changes, written as it stands (damaged or hostile columns)."""
    cases = [flow()]
    for instance_id, change in changes.items():
        case = flow(instance_id, f"e-{instance_id}")
        rows = case.history_rows()
        case.episodes = []
        rows[1].update(change)
        case.extra_rows = rows
        cases.append(case)
    return cases


def retry_history(instance_id: str, execution: str, *episodes: list[Any]) -> Instance:
    first = [started("retry", instance_id, execution), scheduled(0, "Charge")]
    return Instance(instance_id, execution, [first, *episodes])


def unchanged_cases() -> list[Instance]:
    """Every case of issue 14's "Why" that unchanged code must pass."""
    retry_pending = retry_history("retry-pending", "e1", [failed(0), timer(1)])
    exhausted = retry_history(
        "retry-exhausted",
        "e2",
        [failed(0), timer(1)],
        [fired(1), scheduled(2, "Charge")],
        [failed(2), timer(3)],
        [fired(3), scheduled(4, "Charge")],
        [failed(4), timer(5, minutes=0)],  # RetryInterceptor: "Dummy timer for back-compat"
        [fired(5), scheduled(6, "Refund")],
    )
    succeeded = retry_history(
        "retry-succeeded",
        "e3",
        [failed(0), timer(1)],
        [fired(1), scheduled(2, "Charge")],
        [completed(2), scheduled(3, "Ship")],
    )
    # B fails first, so its retry timer takes 2 and A's takes 3; A's fires first (4).
    parallel = Instance(
        "parallel-retry",
        "e4",
        [
            [
                started("parallel-retry", "parallel-retry", "e4"),
                scheduled(0, "A"),
                scheduled(1, "B"),
            ],
            [failed(1), timer(2)],
            [failed(0), timer(3)],
            [fired(3), scheduled(4, "A")],
            [fired(2), scheduled(5, "B")],
        ],
    )
    child = Instance(
        "child-retry",
        "e5",
        [
            [started("child-retry", "child-retry", "e5"), _child_created(0)],
            [("SubOrchestrationInstanceFailed", {"TaskScheduledId": 0, "Reason": "x"}), timer(1)],
            [fired(1), _child_created(2)],
            [
                ("SubOrchestrationInstanceCompleted", {"TaskScheduledId": 2, "Result": "5"}),
                scheduled(3, "Ship"),
            ],
        ],
    )
    entities = Instance(
        "entities",
        "e6",
        [
            [
                started("entities", "entities", "e6", version=None),
                sent(0, "@counter@k", "add", "req-1", signal=True),
                sent(1, "@counter@k", "get", "req-2", signal=False),
            ],
            [raised("req-2", 5), scheduled(2, "Report")],
        ],
        version=None,  # an unversioned instance: no Version column anywhere
    )
    http = Instance(
        "http",
        "e7",
        [
            [started("http", "http", "e7"), scheduled(0, "BuiltIn::HttpActivity")],
            [
                completed(0, {"statusCode": 200, "content": "q", "headers": {}}),
                scheduled(1, "Ship"),
            ],
        ],
    )
    eternal = Instance(
        "eternal",
        "gen-2",
        [[started("eternal", "eternal", "gen-2", tick=2), scheduled(0, "Tick")]],
        # ContinueAsNew: generation 1 was longer; its rows past the new length remain.
        extra_rows=[
            _row("eternal", "gen-1", n, "TaskScheduled", EventId=n, Name="Old") for n in (4, 5, 6)
        ],
    )
    rewound = retry_history(
        "rewound",
        "e8",
        [failed(0), timer(1)],
        [("ExecutionRewound", {"Reason": "rewind"}), ("SomeFutureEvent", {}), fired(1)],
    )
    rewound.episodes[-1].append(scheduled(2, "Charge"))
    reused_pending = Instance("reused-pending", "e-new", [], status="Pending", sentinel="e-old")
    reused_pending.extra_rows = _old_execution("reused-pending", "e-old")
    reused_running = retry_history("reused-running", "e-new2", [failed(0), timer(1)])
    reused_running.extra_rows = _old_execution("reused-running", "e-old2")[8:]
    return [
        flow(),
        retry_pending,
        exhausted,
        succeeded,
        parallel,
        child,
        entities,
        http,
        eternal,
        rewound,
        Instance("pending", "e9", [], status="Pending"),
        reused_pending,
        reused_running,
        changed(flow("paused", "e10"), status="Paused"),  # a status we do not know
        changed(flow("nameless", "e11"), name=None),  # the Instances row has no Name
    ]


def _child_created(event_id: int) -> tuple[str, dict[str, Any]]:
    fields = {"EventId": event_id, "Name": "Child", "InstanceId": "child-1", "Input": "1"}
    return ("SubOrchestrationInstanceCreated", fields)


def _row(
    instance_id: str, execution: str, sequence: int, kind: str, **fields: Any
) -> dict[str, Any]:
    return {
        "PartitionKey": escape_instance_id(instance_id),
        "RowKey": f"{sequence:016X}",
        "ExecutionId": execution,
        "EventType": kind,
        "IsPlayed": False,
        "_Timestamp": "2026-11-29T08:00:00Z",
        **fields,
    }


def _old_execution(instance_id: str, execution: str) -> list[dict[str, Any]]:
    """A finished earlier execution under the same id, recorded by code long gone."""
    return Instance(
        instance_id,
        execution,
        [[started("flow", instance_id, execution), scheduled(0, "Gone")], [completed(0)]]
        + [[scheduled(n, "Gone")] for n in range(1, 4)],
    ).history_rows()


def changed(instance: Instance, **changes: Any) -> Instance:
    for key, value in changes.items():
        setattr(instance, key, value)
    return instance
