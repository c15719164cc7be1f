"""Reading `pulumi stack output --json`, so a pipeline never retypes a hub name.

The shape is what __main__.py exports: apps.<app>.slots.<slot> with taskHub,
tableEndpoint, durableStorageAccount, connectionSetting and trackingPrefix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskhub.errors import ConfigurationError

PRODUCTION = "production"


@dataclass(frozen=True)
class StackSlot:
    app: str
    slot: str
    hub: str
    table_endpoint: str
    tracking_prefix: str | None
    connection_setting: str | None


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
    try:
        outputs = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigurationError(
            f"{path} does not exist", fix="write it with `pulumi stack output --json > FILE`"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigurationError(
            f"{path} is not readable JSON ({exc})",
            fix="write it with `pulumi stack output --json --show-secrets=false > FILE`",
        ) from None
    apps = outputs.get("apps") if isinstance(outputs, dict) else None
    if not isinstance(apps, dict) or not apps:
        raise ConfigurationError(
            f"{path} has no 'apps' output", fix="use the outputs of a stack of this project"
        )
    app_name = _pick(apps, app, "app", str(path))
    entry = apps[app_name]
    return StackApp(app_name, entry.get("resourceGroup"), entry.get("slots") or {})


def read_stack_slot(path: Path, app: str | None, slot: str = PRODUCTION) -> StackSlot:
    found = read_stack_app(path, app)
    slot_name = _pick(found.slots, slot, "slot", f"app {found.app!r} in {path}")
    entry = found.slots[slot_name]
    return StackSlot(
        app=found.app,
        slot=slot_name,
        hub=entry["taskHub"],
        table_endpoint=entry["tableEndpoint"],
        tracking_prefix=entry.get("trackingPrefix"),
        connection_setting=entry.get("connectionSetting"),
    )
