"""Judging one recorded history against the new orchestrator code, as DurableTask.Core would.

The SDK runs the code over the history but does not detect nondeterminism itself
(docs/domain.md): DurableTask.Core does. TaskOrchestrationContext.HandleTaskScheduledEvent,
HandleTimerCreatedEvent, HandleSubOrchestrationCreatedEvent and HandleEventSentEvent take
each recorded event's EventId (its sequence number) and require the action the code gave
that number to exist ("hasn't (yet?) scheduled this task"), to be of the same type, and,
except for timers, to carry the same name compared with StringComparison.OrdinalIgnoreCase
(for EventSent, `EventName`). Actions beyond what was recorded are new work. This module
applies exactly those rules, over the numbers the SDK gave the tasks (`numbering`).
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from azure.durable_functions.models.TaskOrchestrationExecutor import TaskOrchestrationExecutor

from scripts.stages.replay.numbering import Orchestration, SdkRun, Step, run_sdk
from taskhub.history import (
    EVENT_TYPES,
    ORCHESTRATOR_COMPLETED,
    SDK_EVENT_TYPES,
    History,
    UnreadableHistory,
)

# Recorded event kinds a replay must reproduce, by EventType number.
RECORDED = {
    4: "TaskScheduled",
    7: "SubOrchestrationInstanceCreated",
    10: "TimerCreated",
    14: "EventSent",
}
ORCHESTRATOR_STARTED = EVENT_TYPES["OrchestratorStarted"]
_COMPLETIONS = frozenset(int(t) for t in TaskOrchestrationExecutor().task_completion_events)
"""The events whose IsPlayed the SDK's executor reads (task, timer, sub-orchestration and
external-event completions and failures)."""
FAKE_TIMER_ID = -100
"""FrameworkConstants.FakeTimerIdToSplitDecision: HandleTimerCreatedEvent skips this timer."""


class Outcome(StrEnum):
    OK = "ok"
    NONDETERMINISTIC = "nondeterministic"
    ERROR = "error"
    """The code raised during replay before reaching what the history recorded."""
    UNREADABLE = "unreadable"
    """The history could not be read; unknown is never "ok"."""
    NOT_STARTED = "not-started"
    """A Pending (or ContinuedAsNew) instance whose execution has no history yet."""


FAILING = (Outcome.NONDETERMINISTIC, Outcome.ERROR)


@dataclass(frozen=True)
class Divergence:
    position: int
    """The sequence number (EventId) DurableTask names in its exception."""
    history: Step
    code: Step | None
    """None: the code gave this number to nothing (it stopped short of the history)."""


@dataclass
class Replay:
    instance_id: str
    outcome: Outcome
    position: int | None = None
    history: Step | None = None
    code: Step | None = None
    error: list[str] = field(default_factory=list)
    reason: str | None = None
    replayed_events: int = 0

    def json(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "outcome": str(self.outcome),
            "position": self.position,
            "history": self.history.json() if self.history else None,
            "code": self.code.json() if self.code else None,
            "error": self.error or None,
            "reason": self.reason,
            "recorded_steps": self.replayed_events,
        }


def sdk_events(history: History) -> list[dict[str, Any]]:
    """The events the SDK is given: those its HistoryEventType defines (`context_body`)."""
    return [e for e in history.events if e["EventType"] in SDK_EVENT_TYPES]


def context_body(history: History) -> str:
    """The JSON the extension hands a Python orchestrator for this history.

    Events the SDK's HistoryEventType does not define (ExecutionRewound = 21 and anything
    later) are left out rather than passed on as something it would misread.
    """
    started = history.started()
    if started is None:
        raise UnreadableHistory("the history has no ExecutionStarted event")
    raw_input = started.get("Input")
    try:
        given = json.loads(raw_input) if raw_input else None
    except (TypeError, ValueError) as exc:
        raise UnreadableHistory(f"ExecutionStarted.Input is not JSON ({exc})") from None
    parent = started.get("ParentInstance")
    instance = parent.get("OrchestrationInstance") if isinstance(parent, dict) else None
    return json.dumps(
        {
            "history": sdk_events(history),
            "input": given,
            "instanceId": history.instance_id,
            "isReplaying": True,
            "parentInstanceId": instance.get("InstanceId") if isinstance(instance, dict) else None,
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 2,
            "maximumShortTimerDuration": "6.00:00:00",
            "longRunningTimerIntervalDuration": "3.00:00:00",
        }
    )


def recorded_steps(history: History) -> list[tuple[int, Step]]:
    """(sequence number, step) of each event DurableTask checks, in history order."""
    steps = []
    for event in history.events:
        kind = RECORDED.get(event["EventType"])
        if kind is None or (kind == "TimerCreated" and event["EventId"] == FAKE_TIMER_ID):
            continue
        name = event.get("Name")
        named = None if kind == "TimerCreated" or name is None else str(name)
        steps.append((event["EventId"], Step(kind, named)))
    return steps


def _same(recorded: Step, emitted: Step) -> bool:
    if recorded.kind != emitted.kind:
        return False
    # HandleTimerCreatedEvent checks the action type only.
    return (
        recorded.kind == "TimerCreated"
        or (recorded.name or "").upper() == (emitted.name or "").upper()
    )


def compare(recorded: list[tuple[int, Step]], emitted: dict[int, Step]) -> Divergence | None:
    """The first recorded event (in the order DurableTask processes them) the code breaks."""
    for number, step in recorded:
        did = emitted.get(number)
        if did is None or not _same(step, did):
            return Divergence(number, step, did)
    return None


def replay(orchestration: Orchestration, history: History) -> Replay:
    """Judges one history; UnreadableHistory when the SDK cannot take it."""
    return _judged(history, run_sdk(orchestration, context_body(history)))


def _judged(history: History, run: SdkRun) -> Replay:
    recorded = recorded_steps(history)
    result = Replay(history.instance_id, Outcome.OK, replayed_events=len(recorded))
    divergence = compare(recorded, run.steps)
    if divergence and (divergence.code is not None or run.raised is None):
        result.outcome = Outcome.NONDETERMINISTIC
        result.position = divergence.position
        result.history, result.code = divergence.history, divergence.code
    elif run.raised is not None:
        result.outcome = Outcome.ERROR
        result.error = _frames(run.raised)
    return result


def prefix_replays(orchestration: Orchestration, history: History) -> Iterator[Replay]:
    """What `replay` says of each of `history.prefixes()`, in order, raising where it would.

    One run of the code over the whole history, kept at each prefix's end (`run_sdk`
    checkpoints), instead of one run per prefix: n episodes cost one replay, not n.
    The SDK's executor processes events in order and resumes the code as each arrives, so
    the run stands after a prefix's last event exactly as a run over that prefix ends,
    but for two things, and a prefix where either could differ is replayed on its own:
    - which events the executor counts as new (`is_replaying` for the code): the events
      from the last OrchestratorStarted on, so a prefix's last episode is new where the
      whole history's is not; it decides by the events' IsPlayed where that is set
      (task completions; ExecutionStarted at the start), so a prefix is kept only when
      those events of the span in question are IsPlayed, as DurableTask writes them;
    - the history list itself, if anything reads `context.histories`: then every prefix
      is replayed on its own.
    """
    prefixes = history.prefixes()
    events = sdk_events(history)
    ends = [i for i, e in enumerate(events) if e["EventType"] == ORCHESTRATOR_COMPLETED]
    whole = _whole_run(orchestration, history, events, ends)
    for number, prefix in enumerate(prefixes):
        if whole is None or not _new_events_agree(events, ends[number]):
            yield replay(orchestration, prefix)
        else:
            yield _judged(prefix, whole.checkpoints.get(ends[number], whole))


def _whole_run(
    orchestration: Orchestration, history: History, events: list[dict[str, Any]], ends: list[int]
) -> SdkRun | None:
    """The run over the whole history, kept at each prefix's end; None when a prefix's own
    run could start differently (the context takes the version from ExecutionStarted and
    the first time from the first OrchestratorStarted: both must be in the first prefix),
    the SDK cannot read the history, or the code read the history list."""
    first = ends[0] if ends else -1
    for kind in (0, ORCHESTRATOR_STARTED):
        if next((i for i, e in enumerate(events) if e["EventType"] == kind), first) >= first:
            return None
    try:
        run = run_sdk(orchestration, context_body(history), checkpoints=ends)
    except UnreadableHistory:
        return None
    return None if run.read_histories else run


def _new_events_agree(events: list[dict[str, Any]], end: int) -> bool:
    """Whether the executor treats each event up to `end` as replayed or new the same way
    in a run over events[: end + 1] as in the run over all of them (TaskOrchestrationExecutor:
    new from the last OrchestratorStarted on; a completion's task is "played" if the event
    IsPlayed or is not new; the first task if ExecutionStarted IsPlayed or any earlier
    episode exists)."""
    whole = _last_started(events, len(events) - 1)
    cut = _last_started(events, end)
    if (cut > 0) != (whole > 0) and not events[1].get("IsPlayed"):
        return False
    return all(
        events[i].get("IsPlayed")
        for i in range(end + 1)
        if (i >= cut) != (i >= whole) and events[i]["EventType"] in _COMPLETIONS
    )


def _last_started(events: list[dict[str, Any]], end: int) -> int:
    return max(
        (i for i in range(end + 1) if events[i]["EventType"] == ORCHESTRATOR_STARTED), default=-1
    )


def unreadable(instance_id: str, reason: str) -> Replay:
    return Replay(instance_id, Outcome.UNREADABLE, reason=reason)


def describe(result: Replay) -> str:
    if result.outcome == Outcome.ERROR:
        return "the code raised during replay: " + " | ".join(result.error)
    if result.outcome in (Outcome.UNREADABLE, Outcome.NOT_STARTED):
        return f"{result.outcome}: {result.reason}"
    did = result.code or "nothing"
    return (
        f"nondeterministic at step {result.position}: history has {result.history}, "
        f"the code did {did}"
    )


def _frames(exc: BaseException) -> list[str]:
    cause: BaseException = exc
    while "$OutOfProcData$" in str(cause) and (cause.__cause__ or cause.__context__):
        cause = cause.__cause__ or cause.__context__ or cause
    message = str(cause).split("\n\n$OutOfProcData$")[0]
    frames = traceback.extract_tb(cause.__traceback__)[-3:]
    return [f"{type(cause).__name__}: {message}"] + [
        f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames
    ]
