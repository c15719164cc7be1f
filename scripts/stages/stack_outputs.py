"""Reading `pulumi stack output --json`, so a pipeline never retypes a hub name.

The shape is what __main__.py exports: apps.<app>.slots.<slot> with `backend` and taskHub;
on Azure Storage (`backend` azureStorage, or absent in older stacks) tableEndpoint,
durableStorageAccount, connectionSetting and trackingPrefix; on the Durable Task Scheduler
(durableTaskScheduler) schedulerEndpoint, the scheduler's `properties.endpoint`
(components/function_app.py `SchedulerSlotOutputs`). The file is
user input: every value is checked for its type before use, so a list where an object
belongs or a number where a hub name belongs is a clear exit 2, not a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.errors import ConfigurationError
from taskhub.scheduler_settings import Backend

T = TypeVar("T")

_EXPECTED = {"dict": "an object", "str": "a non-empty string", "list": "a list"}
_FIX = "write it with `pulumi stack output --json --show-secrets=false > FILE`"


@dataclass(frozen=True)
class StackSlot:
    app: str
    slot: str
    hub: str
    table_endpoint: str | None
    """Set on Azure Storage."""
    tracking_prefix: str | None
    connection_setting: str | None
    scheduler_endpoint: str | None = None
    """Set on the Durable Task Scheduler."""


def read_outputs(path: Path) -> dict[str, Any]:
    """The whole outputs object; exit-2 errors for a missing, unreadable or non-object file."""
    try:
        # utf-8-sig: PowerShell's `> FILE` (Out-File) starts UTF-8 with a byte order mark.
        outputs = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigurationError(f"{path} does not exist", fix=_FIX) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"{path} is not readable JSON ({exc})", fix=_FIX) from None
    except (RecursionError, ValueError) as exc:
        # Nesting deeper than the parser's stack, or an integer longer than Python converts
        # (sys.set_int_max_str_digits): no stack writes either.
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ConfigurationError(
            f"{path} is not the outputs of a stack ({reason[:120]})", fix=_FIX
        ) from None
    if not isinstance(outputs, dict):
        raise ConfigurationError(
            f"{path} holds a JSON {type(outputs).__name__}, not the outputs object", fix=_FIX
        )
    return outputs


def typed(
    entry: dict[str, Any], key: str, kind: type[T], where: str, *, required: bool = True
) -> T:
    """`entry[key]` when it has type `kind` (None when absent and not `required`)."""
    value = entry.get(key)
    if value is None and not required:
        return value  # type: ignore[return-value]
    if not isinstance(value, kind) or (kind is str and not value):
        expected = _EXPECTED.get(kind.__name__, kind.__name__)
        raise ConfigurationError(
            f"{where}.{key} is {json.dumps(value, default=str)[:60]}, not {expected}",
            fix="use the outputs of a stack of this project (" + _FIX[0].lower() + _FIX[1:] + ")",
        )
    return value


def _pick(options: dict[str, Any], wanted: str | None, what: str, source: str) -> str:
    if wanted is None and len(options) == 1:
        return next(iter(options))
    if wanted not in options:
        known = ", ".join(sorted(options)) or "none"
        raise ConfigurationError(
            f"{source} has no {what} {wanted!r}" if wanted else f"{source} holds several {what}s",
            fix=f"pass --{what} with one of: {known}",
        )
    return wanted


@dataclass(frozen=True)
class StackApp:
    app: str
    resource_group: str | None
    slots: dict[str, Any]


def read_stack_app(path: Path, app: str | None) -> StackApp:
    apps = read_outputs(path).get("apps")
    if not isinstance(apps, dict) or not apps:
        raise ConfigurationError(
            f"{path} has no 'apps' output", fix="use the outputs of a stack of this project"
        )
    app_name = _pick(apps, app, "app", str(path))
    where = f"{path}: apps.{app_name}"
    entry = typed(apps, app_name, dict, f"{path}: apps")
    slots = typed(entry, "slots", dict, where, required=False) or {}
    for name in slots:
        typed(slots, name, dict, f"{where}.slots")
    return StackApp(app_name, typed(entry, "resourceGroup", str, where, required=False), slots)


def read_stack_slot(path: Path, app: str | None, slot: str = PRODUCTION_SLOT) -> StackSlot:
    found = read_stack_app(path, app)
    slot_name = _pick(found.slots, slot, "slot", f"app {found.app!r} in {path}")
    entry = found.slots[slot_name]
    where = f"{path}: apps.{found.app}.slots.{slot_name}"
    backend = typed(entry, "backend", str, where, required=False) or Backend.AZURE_STORAGE
    if backend not in tuple(Backend):
        raise ConfigurationError(
            f"{where}.backend is {backend[:40]!r}, which this toolkit does not read",
            fix=f"use the outputs of a stack of this project ({' or '.join(Backend)})",
        )
    scheduler = backend == Backend.DURABLE_TASK_SCHEDULER
    return StackSlot(
        app=found.app,
        slot=slot_name,
        hub=typed(entry, "taskHub", str, where),
        table_endpoint=None if scheduler else typed(entry, "tableEndpoint", str, where),
        tracking_prefix=typed(entry, "trackingPrefix", str, where, required=False),
        connection_setting=typed(entry, "connectionSetting", str, where, required=False),
        scheduler_endpoint=typed(entry, "schedulerEndpoint", str, where) if scheduler else None,
    )
