"""Replaying recorded histories through the user's orchestrator, the SDK's way.

The SDK runs the code over the history but does not detect nondeterminism itself
(DOMAIN.md): DurableTask.Core does, by checking every recorded TaskScheduled, TimerCreated,
SubOrchestrationInstanceCreated and EventSent against the action the code emits at the same
position. This module does that comparison over the actions the SDK returns, and nothing
else of replay: the history is fed to the SDK's own `Orchestrator` handle.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskhub.connection import RetrySettings
from taskhub.errors import ConfigurationError
from taskhub.history import History, HistoryStore, large_messages_container
from taskhub.instances import InstanceRecord, InstanceStore

if TYPE_CHECKING:
    from scripts.connect import Target

# Recorded event kinds a replay must reproduce, by EventType number.
RECORDED = {
    4: "TaskScheduled",
    7: "SubOrchestrationInstanceCreated",
    10: "TimerCreated",
    14: "EventSent",
}
# What each SDK actionType records when DurableTask runs it (None: nothing recorded).
ACTION_RECORDS: dict[int, str | None] = {
    0: "TaskScheduled",
    1: "TaskScheduled",
    2: "SubOrchestrationInstanceCreated",
    3: "SubOrchestrationInstanceCreated",
    4: None,  # ContinueAsNew
    5: "TimerCreated",
    6: None,  # WaitForExternalEvent
    7: "EventSent",  # CallEntity
    8: "TaskScheduled",  # CallHttp: the built-in HTTP activity
    9: "EventSent",  # SignalEntity
}
RETRYING = {1, 3}
COMPOUND = {11, 12}

Handle = Callable[[Any], str]


@dataclass(frozen=True)
class Step:
    kind: str
    name: str | None

    def json(self) -> dict[str, Any]:
        return {"event": self.kind, "name": self.name}


@dataclass
class Replay:
    instance_id: str
    outcome: str  # ok | nondeterministic | error
    position: int | None = None
    history: Step | None = None
    code: Step | None = None
    error: list[str] = field(default_factory=list)
    replayed_events: int = 0

    def json(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "outcome": self.outcome,
            "position": self.position,
            "history": self.history.json() if self.history else None,
            "code": self.code.json() if self.code else None,
            "error": self.error or None,
            "recorded_steps": self.replayed_events,
        }


def context_body(history: History) -> str:
    """The JSON the extension hands a Python orchestrator for this history."""
    started = history.started() or {}
    raw_input = started.get("Input")
    parent = started.get("ParentInstance") or {}
    return json.dumps(
        {
            "history": history.events,
            "input": json.loads(raw_input) if raw_input else None,
            "instanceId": history.instance_id,
            "isReplaying": True,
            "parentInstanceId": (parent.get("OrchestrationInstance") or {}).get("InstanceId"),
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 2,
            "maximumShortTimerDuration": "6.00:00:00",
            "longRunningTimerIntervalDuration": "3.00:00:00",
        }
    )


def recorded_steps(history: History) -> list[Step]:
    events = [e for e in history.events if e["EventType"] in RECORDED]
    events.sort(key=lambda e: int(e.get("EventId", -1)))
    return [
        Step(RECORDED[e["EventType"]], e.get("Name") if e["EventType"] != 10 else None)
        for e in events
    ]


def flatten_actions(actions: list[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for action in actions:
        if isinstance(action, list):
            flat += flatten_actions(action)
        elif action.get("actionType") in COMPOUND:
            flat += flatten_actions(action.get("compoundActions") or [])
        else:
            flat.append(action)
    return flat


def _step(action: dict[str, Any]) -> Step | None:
    kind = ACTION_RECORDS.get(int(action.get("actionType", -1)))
    if kind is None:
        return None
    name = None if kind in ("TimerCreated", "EventSent") else action.get("functionName")
    if int(action["actionType"]) == 8:
        name = "BuiltIn::HttpActivity"
    return Step(kind, name)


def _same(a: Step, b: Step) -> bool:
    return a.kind == b.kind and (a.name or "").lower() == (b.name or "").lower()


@dataclass(frozen=True)
class Divergence:
    position: int
    history: Step
    code: Step | None
    """None: the code stopped short of what the history recorded."""


def compare(recorded: list[Step], actions: list[dict[str, Any]]) -> Divergence | None:
    """The first place where the emitted actions leave the recorded steps, if any.

    Actions beyond the recorded steps are new work, as DurableTask sees them. A retrying
    call emits one action but records TaskScheduled, then TimerCreated and TaskScheduled
    again per retry: those recorded pairs belong to the same action.
    """
    position = 0
    for action in actions:
        emitted = _step(action)
        if emitted is None:
            continue
        if position >= len(recorded):
            return None
        if not _same(recorded[position], emitted):
            return Divergence(position, recorded[position], emitted)
        position += 1
        while int(action["actionType"]) in RETRYING and position + 1 < len(recorded):
            timer, again = recorded[position], recorded[position + 1]
            if timer.kind != "TimerCreated" or not _same(again, emitted):
                break
            position += 2
    if position < len(recorded):
        return Divergence(position, recorded[position], None)
    return None


def replay(handle: Handle, history: History) -> Replay:
    recorded = recorded_steps(history)
    result = Replay(history.instance_id, "ok", replayed_events=len(recorded))
    try:
        state = json.loads(handle(_Body(context_body(history))))
    except Exception as exc:  # the user's code raised: the SDK wraps it
        result.outcome = "error"
        result.error = _frames(exc)
        return result
    divergence = compare(recorded, flatten_actions(state.get("actions") or []))
    if divergence:
        result.outcome = "nondeterministic"
        result.position = divergence.position
        result.history, result.code = divergence.history, divergence.code
    return result


@dataclass(frozen=True)
class Selection:
    """Which unfinished instances to replay."""

    name: str | None = None
    version: str | None = None
    limit: int | None = None

    def keep(self, record: InstanceRecord) -> bool:
        if self.name and (record.name or "").lower() != self.name.lower():
            return False
        return self.version is None or (record.version or "") == self.version


def replay_unfinished(
    handle: Handle,
    target: Target,
    retry: RetrySettings,
    selection: Selection,
    say: Callable[[str], None],
) -> list[tuple[InstanceRecord, Replay]]:
    """Replays the selected unfinished instances of a hub, oldest first; it only reads."""
    connection, hub = target.connection, target.hub
    with connection.service_client(retry) as service:
        records = InstanceStore(service, hub, secrets=connection.secrets).unfinished()
        chosen = [r for r in records if selection.keep(r)][: selection.limit]
        say(
            f"replay: {len(chosen)} of {len(records)} unfinished instance(s) of hub "
            f"{hub.name!r} at {connection.description}"
        )
        blobs = connection.blob_reader(large_messages_container(hub), retry)
        store = HistoryStore(service, hub, blobs, secrets=connection.secrets)
        results = []
        for record in chosen:
            result = replay(handle, store.history(record.instance_id))
            results.append((record, result))
            say(f"  {record.instance_id} v{record.version or '-'}: {result.outcome}")
    return results


def describe(result: Replay) -> str:
    if result.outcome == "error":
        return "the code raised during replay: " + " | ".join(result.error)
    had = result.history.json() if result.history else None
    did = result.code.json() if result.code else "nothing"
    return f"nondeterministic at step {result.position}: history has {had}, the code did {did}"


@dataclass(frozen=True)
class _Body:
    """What the Functions host passes: an object whose `body` is the context JSON."""

    body: str


def _frames(exc: BaseException) -> list[str]:
    cause: BaseException = exc
    while "$OutOfProcData$" in str(cause) and (cause.__cause__ or cause.__context__):
        cause = cause.__cause__ or cause.__context__ or cause
    message = str(cause).split("\n\n$OutOfProcData$")[0]
    frames = traceback.extract_tb(cause.__traceback__)[-3:]
    return [f"{type(cause).__name__}: {message}"] + [
        f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames
    ]


def load_orchestrator(
    function: str | None, app_dir: Path | None, orchestrator: str | None
) -> Handle:
    """The orchestrator's SDK handle, from `module:attr` or a v2 app's registered functions."""
    if app_dir is not None:
        sys.path.insert(0, str(app_dir.resolve()))
    try:
        if function:
            module, _, attr = function.partition(":")
            target = getattr(importlib.import_module(module), attr)
            from azure.durable_functions import Orchestrator

            created: Handle = Orchestrator.create(target)
            return created
        if app_dir is None or not orchestrator:
            raise ConfigurationError(
                "no orchestrator named",
                fix="pass --function module:attr, or --app-dir DIR --orchestrator NAME",
            )
        functions = importlib.import_module("function_app").app.get_functions()
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(
            f"the orchestrator cannot be imported ({type(exc).__name__}: {exc})",
            fix="run from the app's environment (its requirements installed) and check "
            "--app-dir / --function",
        ) from None
    orchestrators = {
        fn.get_function_name(): fn
        for fn in functions
        if any(b.type == "orchestrationTrigger" for b in fn.get_bindings())
    }
    if orchestrator in orchestrators:
        handle: Handle = orchestrators[orchestrator].get_user_function()
        return handle
    names = sorted(orchestrators)
    raise ConfigurationError(
        f"{app_dir}/function_app.py has no orchestrator {orchestrator!r}",
        fix=f"pass --orchestrator with one of: {', '.join(names) or 'none found'}",
    )
