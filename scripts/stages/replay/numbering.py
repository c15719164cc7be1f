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

import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from azure.durable_functions.models.actions.Action import Action
from azure.durable_functions.models.actions.NoOpAction import NoOpAction
from azure.durable_functions.models.DurableOrchestrationContext import (
    DurableOrchestrationContext,
)
from azure.durable_functions.models.Task import AtomicTask, TaskBase
from azure.durable_functions.models.TaskOrchestrationExecutor import TaskOrchestrationExecutor

from scripts.stages.replay import timestamps
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
    raised: Exception | None
    """What the SDK raised at the end (the code's exception, wrapped); None if nothing."""
    checkpoints: dict[int, SdkRun] = field(default_factory=dict)
    """The run as a run over the events up to each checkpoint would have ended (`run_sdk`)."""
    read_histories: bool = False
    """Whether anything read `context.histories` while the code ran (see `run_sdk`)."""


class _Watched(DurableOrchestrationContext):  # type: ignore[misc]
    """The SDK's context, noting whether the code (or an SDK feature it uses, such as the
    OpenAI agents' task tracker) reads the history list, which a prefix would have cut."""

    read_histories = False

    @property
    def histories(self) -> Any:
        self.read_histories = True
        return self._histories


def run_sdk(orchestration: Orchestration, body: str, checkpoints: Collection[int] = ()) -> SdkRun:
    """Replays `body` (the context JSON the extension sends) as Orchestrator.handle does.

    With `checkpoints` (positions in the body's history), the run also keeps how it stood
    after the executor processed each of those events: what the code had given numbers to,
    and what the SDK would raise if the history ended there. The SDK's executor handles
    one event after another and resumes the code as each arrives, so that is what a run
    over the history cut there ends with, except where the executor's view of which events
    are new (`is_replaying`) or the history list itself differs: see `judge.prefix_replays`.
    UnreadableHistory when the SDK cannot even build its context from the history.
    """
    timestamps.install()
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
    executor = TaskOrchestrationExecutor()
    histories = context.histories
    kept: dict[int, SdkRun] = {}
    if checkpoints:
        context.__class__ = _Watched
        _keep_checkpoints(executor, set(checkpoints), steps, kept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns on completions it cannot match
        try:
            executor.execute(context, histories, orchestration.function)
            raised = None
        except Exception as exc:  # the user's code raised: the SDK wraps it
            raised = exc
    return SdkRun(steps, raised, kept, getattr(context, "read_histories", False))


def _keep_checkpoints(
    executor: TaskOrchestrationExecutor,
    wanted: set[int],
    steps: dict[int, Step],
    kept: dict[int, SdkRun],
) -> None:
    """Makes `executor` record into `kept` how the run stands after each wanted event."""
    process = executor.process_event
    position = count()

    def processing(event: Any) -> None:
        process(event)
        index = next(position)
        if index in wanted:
            kept[index] = SdkRun(dict(steps), _ending(executor))

    executor.process_event = processing


def _ending(executor: TaskOrchestrationExecutor) -> Exception | None:
    """What `execute` would raise if the history ended here (it builds the state last)."""
    try:
        executor.get_orchestrator_state_str()
    except Exception as exc:
        return exc
    return None
