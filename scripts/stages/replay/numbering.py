"""The user's orchestrator run over a history by the SDK's own executor, with the sequence
number the SDK gives each task kept beside what DurableTask records for that number.

Why the SDK's numbers: DurableTask.Core numbers every action it records with one counter
(TaskOrchestrationContext: `int id = this.idCounter++` in ScheduleTask, CreateTimer,
CreateSubOrchestrationInstance, SendEvent and CompleteOrchestration), and the extension
issues the worker's actions to that context one by one, awaiting each
(OutOfProcOrchestrationShim.ProcessAsyncActionsV2 / InvokeAPIFromAction), so a retrying
call's timers and re-attempts take numbers as failures arrive (RetryInterceptor.Invoke).
azure-functions-durable mirrors that counter while it replays
(DurableOrchestrationContext._add_to_open_tasks, `_record_fire_and_forget_action`;
RetryAbleTask.try_set_value adds a "-WithRetry timer" after each failure, the final "dummy"
one included, and a "rescheduled task" after each retry timer). Reading its numbers is
exact where re-deriving them from the order of the returned actions is not (parallel
retries interleave by the order their failures are recorded).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.durable_functions.models.actions.Action import Action
from azure.durable_functions.models.actions.NoOpAction import NoOpAction
from azure.durable_functions.models.DurableOrchestrationContext import (
    DurableOrchestrationContext,
)
from azure.durable_functions.models.Task import AtomicTask, TaskBase
from azure.durable_functions.models.TaskOrchestrationExecutor import TaskOrchestrationExecutor

from taskhub.history import UnreadableHistory

ENTITY_OPERATION_EVENT = "op"
"""EventSent.Name of an entity call or signal: the extension's
EntityMessageEventNames.RequestMessageEventName, sent by
DurableOrchestrationContext.SendEntityMessage through InnerContext.SendEvent."""
HTTP_ACTIVITY = "BuiltIn::HttpActivity"
"""TaskScheduled.Name of CallHttp: HttpOptions.HttpTaskActivityReservedName, scheduled as an
activity by DurableOrchestrationContext.ScheduleDurableHttpActivityAsync."""
RETRY_TIMER = "-WithRetry timer"
"""The SDK's NoOpAction label for a retry's timer (Task.py RetryAbleTask); its other
NoOpAction, "rescheduled task", is a re-attempt."""


@dataclass(frozen=True)
class Step:
    """What DurableTask records for one sequence number: an event kind and its name."""

    kind: str
    name: str | None

    def json(self) -> dict[str, Any]:
        return {"event": self.kind, "name": self.name}

    def __str__(self) -> str:
        return f"{self.kind} {self.name!r}" if self.name else self.kind


# SDK actionType -> (the event DurableTask records for it, the action's name field).
_RECORDS: dict[int, tuple[str, str | None]] = {
    0: ("TaskScheduled", "functionName"),  # CallActivity
    1: ("TaskScheduled", "functionName"),  # CallActivityWithRetry
    2: ("SubOrchestrationInstanceCreated", "functionName"),
    3: ("SubOrchestrationInstanceCreated", "functionName"),  # with retry
    4: ("ContinueAsNew", None),  # completes the execution; nothing replays against it
    5: ("TimerCreated", None),
    7: ("EventSent", None),  # CallEntity
    8: ("TaskScheduled", None),  # CallHttp
    9: ("EventSent", None),  # SignalEntity
}
_FIXED_NAMES = {7: ENTITY_OPERATION_EVENT, 8: HTTP_ACTIVITY, 9: ENTITY_OPERATION_EVENT}


def action_step(action: Action) -> Step:
    data = action.to_json()
    kind = int(data.get("actionType", -1))
    recorded, field = _RECORDS.get(kind, (f"action type {kind}", None))
    name = _FIXED_NAMES.get(kind) or (data.get(field) if field else None)
    return Step(recorded, name)


def task_step(task: TaskBase) -> Step:
    action = task.action_repr[0] if isinstance(task.action_repr, list) else task.action_repr
    if isinstance(action, NoOpAction):
        if action.metadata == RETRY_TIMER:
            return Step("TimerCreated", None)
        # A re-attempt records what the retrying call itself records (its parent's action).
        parent = getattr(task, "parent", None)
        return task_step(parent.children[0]) if parent is not None else Step("unknown", None)
    return action_step(action)


@dataclass(frozen=True)
class Orchestration:
    """The user's orchestrator generator function, as `Orchestrator.create` receives it."""

    function: Callable[[Any], Any]
    input_type: type | None = None

    @classmethod
    def from_handle(cls, handle: Any) -> Orchestration:
        """From the handle a v2 app registers (`Orchestrator.create(fn)` sets these)."""
        function = getattr(handle, "orchestrator_function", None)
        if function is None:
            raise TypeError(f"{handle!r} is not an azure-functions-durable orchestrator handle")
        return cls(function, getattr(handle, "_df_input_type", None))


@dataclass
class SdkRun:
    steps: dict[int, Step]
    """Sequence number -> what DurableTask would record for the task the code gave it."""
    state: dict[str, Any] | None
    """The orchestrator state the worker returns; None when the code raised."""
    raised: Exception | None


def run_sdk(orchestration: Orchestration, body: str) -> SdkRun:
    """Replays `body` (the context JSON the extension sends) as Orchestrator.handle does.

    UnreadableHistory when the SDK cannot even build its context from the history.
    """
    try:
        context = DurableOrchestrationContext.from_json(body)
    except Exception as exc:
        raise UnreadableHistory(f"the SDK cannot read this history ({exc!r})") from None
    context._input_expected_type = orchestration.input_type
    steps: dict[int, Step] = {}
    add_to_open_tasks = context._add_to_open_tasks
    record_fire_and_forget = context._record_fire_and_forget_action

    def numbering(task: TaskBase) -> None:
        fresh = isinstance(task, AtomicTask) and task.id is None and not task._is_scheduled
        add_to_open_tasks(task)  # recurses into compound tasks through this wrapper
        if fresh and isinstance(task.id, int):
            steps[task.id] = task_step(task)

    def fire_and_forget(action: Action) -> None:
        steps[context._sequence_number] = action_step(action)
        record_fire_and_forget(action)

    context._add_to_open_tasks = numbering
    context._record_fire_and_forget_action = fire_and_forget
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns on completions it cannot match
        try:
            state = TaskOrchestrationExecutor().execute(
                context, context.histories, orchestration.function
            )
        except Exception as exc:  # the user's code raised: the SDK wraps it
            return SdkRun(steps, None, exc)
    return SdkRun(steps, json.loads(state), None)
