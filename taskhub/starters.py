"""Quiescing starter functions through app settings, and undoing it exactly.

Between the gate's last drained read and the swap, the production slot's client functions
(HTTP or queue starters) could still start orchestrations on the hub that is about to
leave production. The Functions host skips a function whose `AzureWebJobs.<Name>.Disabled`
setting is true, so setting it on the starters closes that window.

ARM replaces the whole settings collection on update, so both directions work on the full
dictionary and return a new one: every other setting is kept byte for byte. The values the
starters had before (absent, "false", even "true") are kept in one marker setting, so
`resume` restores exactly what was there, and running either direction twice changes
nothing the second time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MARKER_SETTING = "DurableDeploy__QuiescedStarters"
"""JSON object: function name -> its Disabled setting's value before quiesce (null: absent)."""

_FUNCTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,127}$")


def disabled_setting(function: str) -> str:
    """The app setting the Functions host reads to skip `function`."""
    return f"AzureWebJobs.{function}.Disabled"


def function_name_problem(function: str) -> str | None:
    """Why `function` cannot be a Functions function name, or None when it can."""
    if not _FUNCTION_NAME.match(function):
        return (
            f"{function!r} is not a function name (a letter, then up to 127 letters, digits, "
            "'_' or '-')"
        )
    return None


@dataclass(frozen=True)
class SettingsChange:
    """The settings to write back, and what changed (empty: nothing to write)."""

    settings: dict[str, str]
    changed: tuple[str, ...]
    functions: tuple[str, ...]


def quiesced(settings: Mapping[str, str], functions: Iterable[str]) -> SettingsChange:
    """`settings` with every starter in `functions` disabled and its old value remembered."""
    names = tuple(dict.fromkeys(functions))
    remembered = quiesced_functions(settings)
    result = dict(settings)
    for name in names:
        key = disabled_setting(name)
        if name not in remembered:
            remembered[name] = settings.get(key)
        result[key] = "true"
    result[MARKER_SETTING] = json.dumps(remembered, sort_keys=True)
    return SettingsChange(result, _changed(settings, result), tuple(sorted(remembered)))


def resumed(settings: Mapping[str, str]) -> SettingsChange:
    """`settings` with every quiesced starter's earlier value back and the marker gone."""
    remembered = quiesced_functions(settings)
    result = {k: v for k, v in settings.items() if k != MARKER_SETTING}
    for name, before in remembered.items():
        key = disabled_setting(name)
        if before is None:
            result.pop(key, None)
        else:
            result[key] = before
    return SettingsChange(result, _changed(settings, result), tuple(sorted(remembered)))


def quiesced_functions(settings: Mapping[str, str]) -> dict[str, str | None]:
    """The starters a previous quiesce disabled, with their values before it."""
    raw = settings.get(MARKER_SETTING)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
    ):
        raise ValueError(
            f"app setting {MARKER_SETTING} is not what quiesce writes; restore the starters' "
            "AzureWebJobs.<Function>.Disabled settings by hand and delete it"
        )
    return dict(value)


def _changed(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, ...]:
    keys = set(before) | set(after)
    return tuple(sorted(k for k in keys if before.get(k) != after.get(k)))
