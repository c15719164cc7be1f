"""The one sink of every command: its answer on stdout (one JSON object, or text), progress on
stderr, and its CI annotations; secrets redacted and untrusted text neutralised in all.

A command hands its result to `Output.finish` as an `Answer`, which knows its JSON body,
its text and its annotations (the gate's model); `finish` wraps the body in the envelope
every `--json` answer shares, `{"command", ..., "exit_code"}`, and exits with that code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from scripts.cli.annotations import Annotator
from scripts.cli.streams import answer_stream
from scripts.cli.untrusted import neutralise, neutralised
from scripts.stages.exits import Exit
from scripts.stages.polling import Polled
from scripts.stages.text import iso
from taskhub.errors import DurableDeployError
from taskhub.instance_rows import InstanceRecord
from taskhub.secrets import redact, register

JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one JSON object on stdout (progress, if any, stays on stderr)."
    ),
]


INSTANCE_FIELDS = (
    "instance_id",
    "name",
    "version",
    "version_source",
    "runtime_status",
    "created_time",
    "last_updated_time",
    "task_hub",
    "is_entity",
    "unreadable",
)
"""What every command's JSON says of an instance (never its input or output)."""


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple):
        return list(value)
    return str(value) if isinstance(value, StrEnum) else value


def fields_json(value: object, names: Iterable[str]) -> dict[str, Any]:
    """Attributes of a record as JSON values, in one convention for every command: times in
    ISO 8601 with `Z`, tuples as lists, enums as their strings."""
    return {name: _json_value(getattr(value, name)) for name in names}


def instance_json(record: InstanceRecord) -> dict[str, Any]:
    return fields_json(record, INSTANCE_FIELDS)


def unreadable_json(records: Iterable[InstanceRecord], show: int) -> dict[str, Any]:
    """The rows among `records` that hold a wait because they cannot be read, and why."""
    unreadable = [r for r in records if not r.readable]
    return {"count": len(unreadable), "instances": [instance_json(r) for r in unreadable[:show]]}


def wait_json(result: Polled, blocking: Sequence[InstanceRecord], show: int) -> dict[str, Any]:
    """What a wait for good reads (the gate's, the watch's) says about how it went."""
    return {
        "instances": [instance_json(r) for r in blocking[:show]],
        "unreadable": unreadable_json(blocking, show),
        "reads": result.reads,
        "stable_reads": result.stable_reads,
        "elapsed_seconds": round(result.elapsed, 3),
        "warnings": result.warnings,
        "error": error_json(result.error) if result.error else None,
    }


@dataclass(frozen=True)
class Answer:
    """A command's result as it knows itself: its JSON body (without the envelope's `command`
    and `exit_code`), its text (written through `Output.text`) and its CI annotations."""

    command: str
    """The command as the boundary names it (`routes list`)."""
    exit: Exit
    payload: dict[str, Any]
    render: Callable[[Output], None]
    annotate: Callable[[Annotator], None] = lambda _annotator: None


class Output:
    """stdout for the result (JSON or text), stderr for progress; secrets redacted in both."""

    json_objects_printed = 0
    """JSON objects this process put on stdout, so the error boundary never adds a second."""

    @classmethod
    def reset_count(cls) -> None:
        """Back to a new process's count: for a host that runs several commands in one process
        (the test suite runs `durable-deploy` in process)."""
        cls.json_objects_printed = 0

    def __init__(self, *, as_json: bool, secrets: Iterable[str] = ()) -> None:
        self.as_json = as_json
        self.secrets = tuple(secrets)
        # No emoji codes: a version ":x:" is shown as typed, not as a picture. The answer goes
        # to the real stdout even while a command's own `sys.stdout` is made inert (streams.py).
        self.out = Console(file=answer_stream(), highlight=False, soft_wrap=True, emoji=False)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    @secrets.setter
    def secrets(self, values: Iterable[str]) -> None:
        """Also registered: the error boundary prints with an `Output` of its own, and a
        connection's key read from a slot's settings must stay masked there too."""
        self._secrets = tuple(values)
        register(self._secrets)

    def _safe(self, text: str) -> str:
        return neutralise(redact(text, self.secrets))

    def progress(self, text: str) -> None:
        self.err.print(self._safe(text), markup=False)

    def text(self, text: str = "", style: str | None = None) -> None:
        if not self.as_json:
            self.out.print(self._safe(text), style=style, markup=False)

    def cannot_decide(self, error: DurableDeployError, *, on_stderr: bool = False) -> None:
        """The human form of "cannot decide", the same in every command: message, then fix.
        `on_stderr` when stdout already holds the command's one JSON object."""
        lines = [f"CANNOT DECIDE  {error.message}"] + ([f"  fix: {error.fix}"] if error.fix else [])
        for line, style in zip(lines, ("bold red", None), strict=False):
            if on_stderr:
                self.progress(line)
            else:
                self.text(line, style)

    def json(self, payload: Mapping[str, Any]) -> None:
        """One JSON object on stdout, every string in it neutralised (keys too)."""
        text = json.dumps(neutralised(payload), indent=2)
        self.out.file.write(redact(text, self.secrets) + "\n")
        self.out.file.flush()
        Output.json_objects_printed += 1

    def finish(self, answer: Answer, annotator: Annotator | None = None) -> NoReturn:
        """Prints `answer` (in its envelope under --json), annotates it (a command without
        `--ci` has no annotator), exits with its code."""
        if self.as_json:
            envelope = {"command": answer.command, **answer.payload}
            self.json({**envelope, "exit_code": int(answer.exit)})
        else:
            answer.render(self)
        if annotator is not None:
            answer.annotate(annotator)
        raise typer.Exit(int(answer.exit))


def error_json(exc: DurableDeployError) -> dict[str, str]:
    """The one error shape; `kind` repeats `type`, the name earlier releases gave it."""
    return {
        "type": type(exc).__name__,
        "kind": type(exc).__name__,
        "message": exc.message,
        "fix": exc.fix,
    }


def error_object(command: str, exc: DurableDeployError) -> dict[str, Any]:
    """The whole `--json` answer of a command that could not decide."""
    return {"command": command, "exit_code": int(Exit.CANNOT_DECIDE), "error": error_json(exc)}
