"""Sequence numbers as DurableTask.Core gives them, for histories another SDK numbered.

The replay check compares each recorded action's EventId with the number the Functions SDK
gives the same action, and those are Core's: one counter from 0, `idCounter++` for every
ScheduleTask, CreateTimer, CreateSubOrchestrationInstance and SendEvent
(TaskOrchestrationContext), a retried call taking a new number for each timer and attempt
(RetryInterceptor). A Functions app on the scheduler is run by Core, so its histories carry
those numbers and pass through unchanged.

The Python durabletask SDK numbers differently (`durabletask/worker.py`,
`next_sequence_number` increments before it returns, so the first action is 1; a retry
reschedules the activity under its first number, `call_activity_function_helper(id=
activity_action.id, ...)`). Since every action an episode issues is recorded, in issue order,
the k-th action event of a history is the one Core numbers k: such a history is renumbered
that way, and each completion (TaskScheduledId, TimerId) follows the latest action that bore
its old number. One difference stays, and is left visible: after a retry's last failed
attempt Core records a "dummy" timer the Python SDK never schedules.

Which numbering a history has shows in its first action: 0 (Core) or 1 (durabletask SDK).
Any other first number means actions are missing, and the history is unreadable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taskhub.history import EVENT_TYPES, UnreadableHistory

ACTIONS = frozenset(
    EVENT_TYPES[name]
    for name in ("TaskScheduled", "SubOrchestrationInstanceCreated", "TimerCreated", "EventSent")
)
_REFERENCES = {
    EVENT_TYPES["TaskCompleted"]: "TaskScheduledId",
    EVENT_TYPES["TaskFailed"]: "TaskScheduledId",
    EVENT_TYPES["SubOrchestrationInstanceCompleted"]: "TaskScheduledId",
    EVENT_TYPES["SubOrchestrationInstanceFailed"]: "TaskScheduledId",
    EVENT_TYPES["TimerFired"]: "TimerId",
}
CORE_FIRST = 0
DURABLETASK_SDK_FIRST = 1


def _is_action(event: dict[str, Any]) -> bool:
    return event["EventType"] in ACTIONS and event["EventId"] >= 0


def first_action_number(events: Sequence[dict[str, Any]]) -> int | None:
    return next((e["EventId"] for e in events if _is_action(e)), None)


def as_core_numbering(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`events` numbered as Core numbers them (unchanged when they already are)."""
    first = first_action_number(events)
    if first is None or first == CORE_FIRST:
        return events
    if first != DURABLETASK_SDK_FIRST:
        raise UnreadableHistory(
            f"the first recorded action is numbered {first}: DurableTask numbers from "
            f"{CORE_FIRST} (the Python durabletask SDK from {DURABLETASK_SDK_FIRST}), so actions "
            "are missing from this history"
        )
    renumbered: list[dict[str, Any]] = []
    latest: dict[int, int] = {}  # old number -> Core number of the latest action bearing it
    count = 0
    for position, original in enumerate(events):
        event = dict(original)
        if _is_action(event):
            latest[event["EventId"]] = count
            event["EventId"] = count
            count += 1
        field = _REFERENCES.get(event["EventType"])
        if field is not None:
            old = event.get(field)
            if old not in latest:
                raise UnreadableHistory(
                    f"event {position} completes action {old}, which the history never recorded"
                )
            event[field] = latest[old]
        renumbered.append(event)
    return renumbered
