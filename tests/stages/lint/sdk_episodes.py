"""Run a fixture app's orchestrator through the real azure-functions-durable SDK, episode by
episode, and record which of its lines ran in which episode.

The worker indexes a v2 app through `app.get_functions()` and calls each function's
`get_user_function()`; for an orchestrator that is the handler `df.Orchestrator.create(fn)`
returns (azure/durable_functions/decorators/durable_app.py). Each call is one episode: the
handler builds a new `DurableOrchestrationContext` and `TaskOrchestrationExecutor` from the
whole history the Durable extension sends (azure/durable_functions/orchestrator.py
`Orchestrator.create`), re-runs the generator from its start and drops it when it returns,
and CPython closes it then (`gc.collect()` here, so a generator in a reference cycle is
closed inside its episode too). The history is what the extension records, in the SDK's
own field names (models/history/HistoryEvent.py, HistoryEventType.py): an episode starts
with OrchestratorStarted, whose timestamp is `current_utc_datetime`, then holds the results
of the tasks the previous episode scheduled (TaskCompleted / TaskFailed with their
TaskScheduledId, TimerFired with its TimerId: the task's sequence number,
DurableOrchestrationContext `_add_to_open_tasks`), and ends with the TaskScheduled /
TimerCreated events of the actions it returned and OrchestratorCompleted. Events of earlier
episodes are marked IsPlayed.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from azure.durable_functions import DurableOrchestrationContext

ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED, EXECUTION_STARTED = 12, 13, 0
TASK_SCHEDULED, TASK_COMPLETED, TASK_FAILED = 4, 5, 6
TIMER_CREATED, TIMER_FIRED = 10, 11
CALL_ACTIVITY, CREATE_TIMER = 0, 5
"""azure/durable_functions/models/actions/ActionType.py."""
START = datetime(2024, 1, 1, tzinfo=UTC)
CLOSE = "close"
Answer = Callable[[str, Any], Any]
"""(activity name, input) -> its result; an exception instance fails the activity."""


@dataclass
class Run:
    episodes: int
    ended: bool
    """Completed or failed: the orchestration ended within the episodes allowed."""
    failure: str | None
    """What the orchestration failed with (the SDK raises it out of the handler)."""
    points: Counter[tuple[int, int | str]]
    """(line of the app's file, where) -> in how many episodes it ran there. Where: the
    number of durable tasks the orchestration had made when the line ran (the point of the
    history: DurableOrchestrationContext `_sequence_number`), or CLOSE when it ran because
    the generator was being closed."""

    def repeats(self, line: int) -> bool:
        """It ran at one point of the history in two episodes, or it runs at close and ran
        in two episodes (once closing, once again)."""
        here = {where: count for (at, where), count in self.points.items() if at == line}
        episodes = sum(here.values())
        return any(count > 1 for count in here.values()) or (CLOSE in here and episodes > 1)


def orchestrators(app_file: Path) -> dict[str, Callable[[str], str]]:
    """The app's orchestrator handlers by function name, as the worker indexes them."""
    spec = importlib.util.spec_from_file_location(f"fixture_{abs(hash(app_file))}", app_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {
        function.get_function_name(): function.get_user_function()
        for function in module.app.get_functions()
        if function.get_trigger().get_binding_name() == "orchestrationTrigger"
    }


def _event(kind: int, minute: int, **fields: Any) -> dict[str, Any]:
    stamp = (START + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
    return {"EventType": kind, "EventId": -1, "IsPlayed": False, "Timestamp": stamp, **fields}


class _Lines:
    """Lines of one file run while tracing, through `sys.settrace` (generator frames too:
    resuming one is a new 'call' event), and where in the history each ran. `close()`
    throws GeneratorExit at the pending yield, which the frame's tracer sees as an
    'exception' event: what runs in that frame (or below it) from then on runs at close."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.seen: set[tuple[int, int | str]] = set()
        self.closing: set[int] = set()

    def call(self, frame: FrameType, event: str, arg: object) -> Any:
        return self.line if frame.f_code.co_filename == self.path else None

    def line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "exception" and arg[0] is GeneratorExit:
            self.closing.add(id(frame))
        elif event == "line":
            self.seen.add((frame.f_lineno, self._where(frame)))
        return self.line

    def _where(self, frame: FrameType | None) -> int | str:
        while frame is not None and frame.f_code.co_filename == self.path:
            if id(frame) in self.closing:
                return CLOSE
            for value in frame.f_locals.values():
                if isinstance(value, DurableOrchestrationContext):
                    return int(value._sequence_number)
            frame = frame.f_back
        return -1


def drive(
    app_file: Path,
    name: str,
    answer: Answer,
    orchestration_input: Any,
    *,
    most: int = 80,
    trace: bool = True,
) -> Run:
    """Run orchestrator `name` of `app_file` until it ends or `most` episodes have run
    (`trace`: record its lines, which slows every call down)."""
    handler = orchestrators(app_file)[name]
    payload = json.dumps(orchestration_input)
    history = [
        _event(ORCHESTRATOR_STARTED, 0),
        _event(EXECUTION_STARTED, 0, Name=name, Input=payload, Version=""),
    ]
    points: Counter[tuple[int, int | str]] = Counter()
    scheduled = 0
    for episode in range(1, most + 1):
        body = {"history": history, "instanceId": "fixture", "isReplaying": episode > 1}
        body |= {"parentInstanceId": None, "input": payload}
        tracer, previous = _Lines(app_file), sys.gettrace()
        sys.settrace(tracer.call if trace else previous)
        try:
            state = json.loads(handler(json.dumps(body)))
        except Exception as failed:  # the SDK raises what the orchestrator raised
            first_line = str(failed).splitlines()[0] if str(failed) else ""
            state = {"isDone": True, "failure": f"{type(failed).__name__}: {first_line}"}
        finally:
            gc.collect()
            sys.settrace(previous)
        points.update(tracer.seen)
        if state.get("isDone"):
            return Run(episode, True, state.get("failure"), points)
        actions = [action for batch in state["actions"] for action in batch]
        for event in history:
            event["IsPlayed"] = True
        results = []
        for task_id, action in enumerate(actions[scheduled:], start=scheduled):
            if action["actionType"] == CREATE_TIMER:
                history.append(_event(TIMER_CREATED, episode, EventId=task_id))
                results.append(_event(TIMER_FIRED, episode + 1, TimerId=task_id))
                continue
            assert action["actionType"] == CALL_ACTIVITY, action
            function = action["functionName"]
            history.append(_event(TASK_SCHEDULED, episode, EventId=task_id, Name=function))
            outcome = answer(function, json.loads(action.get("input") or "null"))
            if isinstance(outcome, Exception):
                reason = {"Reason": str(outcome), "Details": ""}
                results.append(_event(TASK_FAILED, episode + 1, TaskScheduledId=task_id, **reason))
            else:
                result = json.dumps(outcome)
                results.append(
                    _event(TASK_COMPLETED, episode + 1, TaskScheduledId=task_id, Result=result)
                )
        assert results, f"{name} waits for nothing it scheduled in episode {episode}"
        scheduled = len(actions)
        history += [
            _event(ORCHESTRATOR_COMPLETED, episode),
            _event(ORCHESTRATOR_STARTED, episode + 1),
            *results,
        ]
    return Run(most, False, None, points)
