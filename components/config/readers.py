"""Typed readers of raw stack config values: each refusal names the key and the fix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from components.config.keys import FIELDS
from components.config.model import NAMESPACE, ConfigError
from taskhub.hubs import hub_name_problem

E = TypeVar("E", bound=StrEnum)


def text(values: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = values.get(key, default)
    if value is None:
        raise ConfigError(key, None, "is required", f"pulumi config set {NAMESPACE}:{key} <value>")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, value, "must be a non-empty string", "set it to a string")
    return value.strip()


def matching(
    values: Mapping[str, Any], key: str, default: str | None, shape: re.Pattern[str], rule: str
) -> str:
    """A string key whose whole value must match `shape`; `rule` says what it may hold."""
    value = text(values, key, default)
    if not shape.fullmatch(value):
        problem, _, fix = rule.partition(": ")
        raise ConfigError(key, value, problem, fix)
    return value


def mapping(values: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = values.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(
            key,
            value,
            "must be an object",
            f"set it with `pulumi config set --path {NAMESPACE}:{key}.<field> ...`",
        )
    return value


def block(values: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """An object key whose fields are `FIELDS[key]`: a misspelt field is refused, not ignored."""
    found = mapping(values, key)
    known = FIELDS[key]
    if unknown := set(found) - set(known):
        raise ConfigError(
            key, dict(found), f"unknown field(s) {sorted(unknown)}", f"use {', '.join(known)}"
        )
    return found


def choice(
    values: Mapping[str, Any], key: str, kind: type[E], default: E, *, within: str = ""
) -> E:
    raw = values.get(key, default.value)
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ConfigError(
            f"{within}{key}", raw, f"is not one of {allowed}", f"use one of {allowed}"
        ) from None


def integer(values: Mapping[str, Any], key: str, default: int, *, within: str = "") -> int:
    value = values.get(key, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{within}{key}", value, "must be a whole number", "set a number")
    return value


def hub(key: str, name: str) -> str:
    if problem := hub_name_problem(name):
        raise ConfigError(
            key, name, problem, "use 3 to 45 letters and digits, starting with a letter"
        )
    return name
