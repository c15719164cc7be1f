"""A scheduler's protobuf history events as the JSON history a Python worker replays.

The Durable extension hands a Python orchestrator DurableTask.Core history events serialized
by Json.NET, the shape `taskhub.history` builds from table rows: `EventType` as Core's enum
number, `EventId`, `IsPlayed`, `Timestamp` and each event's own properties by their Core names.
From protobuf, each event is converted as durabletask-dotnet `src/Shared/Grpc/ProtoUtils.cs`
`ConvertHistoryEvent` converts it to a Core event (field by field, TimerFired's EventId forced
to -1, failures carried in `FailureDetails` with no Reason or Details), then named as Core's
properties are named. A field the proto leaves unset is null, as Core leaves it.

What has no Core equivalent stops the history: the entity events (EntityOperationCalled and
the rest), which Core only knows as EventSent/EventRaised messages in the extension's own
JSON encoding, an event of a type this proto does not define, and an event without a
timestamp (`ConvertHistoryEvent` reads `proto.Timestamp.ToDateTime()` unguarded). Each makes
that instance's history `UnreadableHistory`; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from durabletask.internal import orchestrator_service_pb2 as pb
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from taskhub.history import EVENT_TYPES, PLAYED_EVENTS, UnreadableHistory
from taskhub.history import _iso as json_net_time

Fields = dict[str, Any]


def _text(message: Message, field: str) -> str | None:
    """A StringValue field's text, None when unset (Core's null)."""
    if not message.HasField(field):
        return None
    value: str = getattr(message, field).value
    return value


def _time(stamp: Timestamp) -> str:
    return str(json_net_time(stamp.ToDatetime()))


def _optional_time(message: Message, field: str) -> str | None:
    return _time(getattr(message, field)) if message.HasField(field) else None


def _instance(message: pb.OrchestrationInstance) -> Fields:
    return {"InstanceId": message.instanceId, "ExecutionId": _text(message, "executionId")}


def _failure(message: Message, field: str = "failureDetails") -> Fields | None:
    """Core's FailureDetails (ProtoUtils `ToCore`), nested failures included."""
    if not message.HasField(field):
        return None
    details: pb.TaskFailureDetails = getattr(message, field)
    return {
        "ErrorType": details.errorType,
        "ErrorMessage": details.errorMessage,
        "StackTrace": _text(details, "stackTrace"),
        "InnerFailure": _failure(details, "innerFailure"),
        "IsNonRetriable": details.isNonRetriable,
    }


def _started(e: pb.ExecutionStartedEvent) -> Fields:
    parent = None
    if e.HasField("parentInstance"):
        p = e.parentInstance
        parent = {
            "Name": _text(p, "name"),
            "Version": _text(p, "version"),
            "OrchestrationInstance": _instance(p.orchestrationInstance),
            "TaskScheduleId": p.taskScheduledId,
        }
    return {
        "Name": e.name,
        "Version": _text(e, "version"),
        "Input": _text(e, "input"),
        "OrchestrationInstance": _instance(e.orchestrationInstance),
        "ParentInstance": parent,
        "Tags": dict(e.tags) or None,
        "ScheduledStartTime": _optional_time(e, "scheduledStartTimestamp"),
    }


def _completed(e: pb.ExecutionCompletedEvent) -> Fields:
    return {
        "OrchestrationStatus": e.orchestrationStatus,
        "Result": _text(e, "result"),
        "FailureDetails": _failure(e),
    }


def _task_failed(e: pb.TaskFailedEvent | pb.SubOrchestrationInstanceFailedEvent) -> Fields:
    return {
        "TaskScheduledId": e.taskScheduledId,
        "Reason": None,
        "Details": None,
        "FailureDetails": _failure(e),
    }


def _history_state(e: pb.HistoryStateEvent) -> Fields:
    state = e.orchestrationState
    return {
        "State": {
            "OrchestrationInstance": {"InstanceId": state.instanceId},
            "Name": state.name,
            "Version": _text(state, "version"),
        }
    }


# proto oneof name -> (Core EventType name, its properties)
_CONVERTERS: dict[str, tuple[str, Callable[[Any], Fields]]] = {
    "executionStarted": ("ExecutionStarted", _started),
    "executionCompleted": ("ExecutionCompleted", _completed),
    "executionTerminated": ("ExecutionTerminated", lambda e: {"Input": _text(e, "input")}),
    "taskScheduled": (
        "TaskScheduled",
        lambda e: {
            "Name": e.name,
            "Version": _text(e, "version"),
            "Input": _text(e, "input"),
            "Tags": dict(e.tags) or None,
        },
    ),
    "taskCompleted": (
        "TaskCompleted",
        lambda e: {"TaskScheduledId": e.taskScheduledId, "Result": _text(e, "result")},
    ),
    "taskFailed": ("TaskFailed", _task_failed),
    "subOrchestrationInstanceCreated": (
        "SubOrchestrationInstanceCreated",
        lambda e: {
            "Name": e.name,
            "Version": _text(e, "version"),
            "InstanceId": e.instanceId,
            "Input": _text(e, "input"),
        },
    ),
    "subOrchestrationInstanceCompleted": (
        "SubOrchestrationInstanceCompleted",
        lambda e: {"TaskScheduledId": e.taskScheduledId, "Result": _text(e, "result")},
    ),
    "subOrchestrationInstanceFailed": ("SubOrchestrationInstanceFailed", _task_failed),
    "timerCreated": ("TimerCreated", lambda e: {"FireAt": _time(e.fireAt)}),
    "timerFired": ("TimerFired", lambda e: {"TimerId": e.timerId, "FireAt": _time(e.fireAt)}),
    "orchestratorStarted": ("OrchestratorStarted", lambda e: {}),
    "orchestratorCompleted": ("OrchestratorCompleted", lambda e: {}),
    "eventSent": (
        "EventSent",
        lambda e: {"InstanceId": e.instanceId, "Name": e.name, "Input": _text(e, "input")},
    ),
    "eventRaised": ("EventRaised", lambda e: {"Name": e.name, "Input": _text(e, "input")}),
    "genericEvent": ("GenericEvent", lambda e: {"Data": _text(e, "data")}),
    "historyState": ("HistoryState", _history_state),
    "continueAsNew": (
        "ContinueAsNew",
        lambda e: {
            "Result": _text(e, "input"),
            "OrchestrationStatus": pb.ORCHESTRATION_STATUS_CONTINUED_AS_NEW,
        },
    ),
    "executionSuspended": ("ExecutionSuspended", lambda e: {"Reason": _text(e, "input")}),
    "executionResumed": ("ExecutionResumed", lambda e: {"Reason": _text(e, "input")}),
    "executionRewound": ("ExecutionRewound", lambda e: {"Reason": _text(e, "reason")}),
}


def to_worker_event(event: pb.HistoryEvent, position: int) -> Fields:
    """One protobuf event as the Core JSON event; UnreadableHistory if it has none.
    `position` (its index in the history) names it in the reason."""
    kind = event.WhichOneof("eventType")
    if kind is None:
        raise UnreadableHistory(
            f"event {position} (EventId {event.eventId}) is of a type this toolkit's protobuf "
            "does not define (a newer scheduler?)"
        )
    if kind not in _CONVERTERS:
        raise UnreadableHistory(
            f"event {position} is {kind}, which has no DurableTask.Core history event the "
            "Functions SDK replays (entity events are not converted)"
        )
    if not event.HasField("timestamp"):
        raise UnreadableHistory(f"event {position} ({kind}) has no timestamp")
    core_name, fields = _CONVERTERS[kind]
    converted: Fields = {
        "EventType": EVENT_TYPES[core_name],
        # ProtoUtils: `new TimerFiredEvent(eventId: -1, ...)` whatever the proto says.
        "EventId": -1 if core_name == "TimerFired" else event.eventId,
        "IsPlayed": core_name in PLAYED_EVENTS,
        "Timestamp": _time(event.timestamp),
        "Result": None,
        "TimerId": None,
    }
    converted.update(fields(getattr(event, kind)))
    converted.setdefault("Version", None)  # the SDK reads ExecutionStarted.Version unguarded
    return converted


def to_worker_events(events: Iterable[pb.HistoryEvent]) -> list[Fields]:
    return [to_worker_event(event, position) for position, event in enumerate(events)]
