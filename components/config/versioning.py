"""The `versioning` key: host.json's versioning values and the classic form's names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from components.config.model import ConfigError, VersioningConfig
from components.config.readers import block
from taskhub.classic import function_name_problem
from taskhub.enums import parse_enum
from taskhub.versions import FailureStrategy, MatchStrategy

S = TypeVar("S", MatchStrategy, FailureStrategy)


def versioning(values: Mapping[str, Any]) -> VersioningConfig:
    found = block(values, "versioning")
    return VersioningConfig(
        default_version=_default_version(found),
        match_strategy=_strategy(found, "versionMatchStrategy", MatchStrategy),
        failure_strategy=_strategy(found, "versionFailureStrategy", FailureStrategy),
        classic=_classic(found),
    )


def _default_version(found: Mapping[str, Any]) -> str | None:
    value = found.get("defaultVersion")
    if value is not None and (not isinstance(value, str) or "%" in value):
        raise ConfigError(
            "versioning.defaultVersion",
            value,
            "must be a literal string (defaultVersion does not resolve %AppSetting%)",
            'set a literal version such as "2.0"',
        )
    return value


def _strategy(found: Mapping[str, Any], key: str, kind: type[S]) -> S | None:
    if key not in found:
        return None
    try:
        return parse_enum(kind, str(found[key]))
    except ValueError as exc:
        allowed = ", ".join(m.value for m in kind)
        raise ConfigError(
            f"versioning.{key}", found[key], str(exc), f"use one of {allowed}"
        ) from None


def _classic(found: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    classic = found.get("classic") or {}
    if not isinstance(classic, Mapping):
        raise ConfigError(
            "versioning.classic",
            classic,
            "must map orchestrator names to their current function names",
            '{"ProcessOrder": "ProcessOrder_V2"}',
        )
    for name, function in classic.items():
        if problem := function_name_problem(str(name)) or function_name_problem(str(function)):
            raise ConfigError("versioning.classic", dict(classic), problem, "use function names")
    return tuple((str(k), str(v)) for k, v in sorted(classic.items()))
