"""Turning domain records into JSON and short human text, the same way in every stage."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from taskhub.errors import DurableDeployError
from taskhub.instances import InstanceRecord
from taskhub.secrets import redact, register
from taskhub.versions import UNVERSIONED_LABEL

JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one JSON object on stdout (progress, if any, stays on stderr)."
    ),
]


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def instance_json(record: InstanceRecord) -> dict[str, Any]:
    return {
        "instance_id": record.instance_id,
        "name": record.name,
        "version": record.version,
        "runtime_status": record.runtime_status,
        "created_time": iso(record.created_time),
        "last_updated_time": iso(record.last_updated_time),
        "task_hub": record.task_hub,
        "is_entity": record.is_entity,
        "unreadable": list(record.unreadable),
    }


def unreadable_json(records: Iterable[InstanceRecord], show: int) -> dict[str, Any]:
    """The rows among `records` that hold a wait because they cannot be read, and why."""
    unreadable = [r for r in records if not r.readable]
    return {"count": len(unreadable), "instances": [instance_json(r) for r in unreadable[:show]]}


def counts_text(counts: Mapping[str, int], *, versions: bool = False) -> str:
    def label(key: str) -> str:
        return (key or UNVERSIONED_LABEL) if versions else (key or "(no status)")

    return ", ".join(f"{label(k)} {v}" for k, v in counts.items()) or "none"


def instance_line(record: InstanceRecord) -> str:
    version = f"v{record.version}" if record.version else UNVERSIONED_LABEL
    line = (
        f"{record.instance_id}  {record.name or '?'}  {version}  "
        f"{record.runtime_status or '(no status)'}  created {iso(record.created_time) or '?'}"
    )
    return f"{line}  UNREADABLE: {'; '.join(record.unreadable)}" if record.unreadable else line


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
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    @secrets.setter
    def secrets(self, values: Iterable[str]) -> None:
        """Also registered: the error boundary prints with an `Output` of its own, and a
        connection's key read from a slot's settings must stay masked there too."""
        self._secrets = tuple(values)
        register(self._secrets)

    def progress(self, text: str) -> None:
        self.err.print(redact(text, self.secrets), markup=False)

    def text(self, text: str = "", style: str | None = None) -> None:
        if not self.as_json:
            self.out.print(redact(text, self.secrets), style=style, markup=False)

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
        print(redact(json.dumps(payload, indent=2, default=str), self.secrets), flush=True)
        Output.json_objects_printed += 1


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
    return {"command": command, "error": error_json(exc)}
