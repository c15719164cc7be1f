"""Protobuf events as Core's JSON events, and the two SDKs' sequence numbers.

Events are made with durabletask's own constructors (`durabletask.internal.helpers`), the
ones its in-memory backend writes histories with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from durabletask.internal import helpers
from durabletask.internal import orchestrator_service_pb2 as pb

from taskhub.history import EVENT_TYPES, UnreadableHistory
from taskhub.scheduler.history_events import to_worker_event, to_worker_events
from taskhub.scheduler.numbering import as_core_numbering

T = datetime(2026, 12, 1, 8, 0, 0, 250000, tzinfo=UTC)


def test_execution_started_carries_name_version_input_and_instance() -> None:
    event = helpers.new_execution_started_event("flow", "i-1", '{"a": 1}', version="2.0")
    event.timestamp.FromDatetime(T)
    converted = to_worker_event(event, 0)
    assert converted["EventType"] == EVENT_TYPES["ExecutionStarted"] == 0
    assert (converted["Name"], converted["Version"], converted["Input"]) == (
        "flow",
        "2.0",
        '{"a": 1}',
    )
    assert converted["OrchestrationInstance"]["InstanceId"] == "i-1"
    assert converted["Timestamp"] == "2026-12-01T08:00:00.25Z"  # Json.NET's short form
    assert converted["IsPlayed"] is True


def test_an_unset_version_is_null_not_empty() -> None:
    event = helpers.new_execution_started_event("flow", "i-1", None)
    assert to_worker_event(event, 0)["Version"] is None


def test_timer_fired_takes_event_id_minus_one_and_keeps_its_timer() -> None:
    event = helpers.new_timer_fired_event(3, T)
    event.eventId = 7
    converted = to_worker_event(event, 0)
    assert (converted["EventId"], converted["TimerId"]) == (-1, 3)
    assert converted["FireAt"] == "2026-12-01T08:00:00.25Z"


def test_a_task_failure_is_in_failure_details() -> None:
    event = helpers.new_task_failed_event(2, RuntimeError("declined"))
    converted = to_worker_event(event, 0)
    assert converted["TaskScheduledId"] == 2
    assert converted["FailureDetails"]["ErrorMessage"] == "declined"
    assert (converted["Reason"], converted["Details"]) == (None, None)  # as ProtoUtils


def test_an_entity_event_has_no_equivalent() -> None:
    event = pb.HistoryEvent(
        eventId=1,
        entityOperationCalled=pb.EntityOperationCalledEvent(requestId="r", operation="add"),
    )
    event.timestamp.FromDatetime(T)
    with pytest.raises(UnreadableHistory, match="entityOperationCalled"):
        to_worker_events([helpers.new_orchestrator_started_event(T), event])


def test_an_event_type_this_proto_does_not_know_is_unreadable() -> None:
    newer = pb.HistoryEvent(eventId=1)
    newer.timestamp.FromDatetime(T)
    # Field 99 of HistoryEvent: a type a newer scheduler might send (kept as unknown bytes).
    unknown = pb.HistoryEvent.FromString(newer.SerializeToString() + b"\x9a\x06\x00")
    with pytest.raises(UnreadableHistory, match="does not define"):
        to_worker_event(unknown, 3)


def test_an_event_without_a_timestamp_is_unreadable() -> None:
    with pytest.raises(UnreadableHistory, match="no timestamp"):
        to_worker_event(pb.HistoryEvent(eventId=-1, orchestratorCompleted={}), 4)


def _action(kind: str, number: int, **more: Any) -> dict[str, Any]:
    return {"EventType": EVENT_TYPES[kind], "EventId": number, **more}


def _done(kind: str, field: str, number: int) -> dict[str, Any]:
    return {"EventType": EVENT_TYPES[kind], "EventId": -1, field: number}


def test_core_numbered_histories_pass_unchanged() -> None:
    events = [_action("TaskScheduled", 0), _done("TaskCompleted", "TaskScheduledId", 0)]
    assert as_core_numbering(events) is events


def test_the_durabletask_sdks_numbers_become_cores() -> None:
    # durabletask worker.py: ids from 1, a retry re-uses its activity's id.
    events = [
        _action("TaskScheduled", 1, Name="charge"),
        _done("TaskFailed", "TaskScheduledId", 1),
        _action("TimerCreated", 2),
        _done("TimerFired", "TimerId", 2),
        _action("TaskScheduled", 1, Name="charge"),
        _done("TaskCompleted", "TaskScheduledId", 1),
        _action("TaskScheduled", 3, Name="ship"),
    ]
    core = as_core_numbering(events)
    assert [e["EventId"] for e in core] == [0, -1, 1, -1, 2, -1, 3]
    assert [core[1]["TaskScheduledId"], core[3]["TimerId"], core[5]["TaskScheduledId"]] == [0, 1, 2]
    assert events[0]["EventId"] == 1  # the input is not changed


def test_a_first_action_numbered_otherwise_means_actions_are_missing() -> None:
    with pytest.raises(UnreadableHistory, match="numbered 2"):
        as_core_numbering([_action("TaskScheduled", 2)])


def test_a_completion_of_an_action_never_recorded_is_unreadable() -> None:
    with pytest.raises(UnreadableHistory, match="never recorded"):
        as_core_numbering(
            [_action("TaskScheduled", 1), _done("TaskCompleted", "TaskScheduledId", 5)]
        )
