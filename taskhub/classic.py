"""The classic versioning form: a new function name per version, chosen by an app setting.

Before built-in versioning, the documented way to change an orchestrator safely was to
copy it under a new name (`ProcessOrder_V2`) and point clients at the newest name through
an app setting, leaving old instances on the old function. The settings are
`Orchestrators__<Name>` (`Orchestrators:<Name>` in .NET configuration).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SETTING_PREFIX = "Orchestrators__"
_FUNCTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,127}")
_VERSIONED = re.compile(r"^(?P<base>.+?)_[Vv](?P<number>\d+)$")


def function_name_problem(name: str) -> str | None:
    if _FUNCTION_NAME.fullmatch(name):
        return None
    return f"{name!r} is not a function name (a letter, then letters, digits or _, max 128)"


def classic_settings(current: Mapping[str, str]) -> dict[str, str]:
    """App settings publishing the current function of each orchestrator."""
    return {f"{SETTING_PREFIX}{name}": function for name, function in current.items()}


def current_function(name: str, environ: Mapping[str, str]) -> str:
    """What a client should start for orchestrator `name`: the setting, else `name`."""
    return environ.get(f"{SETTING_PREFIX}{name}") or name


def split_version(identifier: str) -> tuple[str, int] | None:
    """`ProcessOrder_V12` -> (`ProcessOrder`, 12); None when it carries no version."""
    match = _VERSIONED.match(identifier)
    return (match["base"], int(match["number"])) if match else None
