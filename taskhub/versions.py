"""Orchestration versioning settings, as the Durable extension parses them."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class MatchStrategy(StrEnum):
    """host.json `versionMatchStrategy`: which instances a worker of a version may run."""

    NONE = "None"
    STRICT = "Strict"
    CURRENT_OR_OLDER = "CurrentOrOlder"


class FailureStrategy(StrEnum):
    """host.json `versionFailureStrategy`: what happens to an instance a worker may not run."""

    REJECT = "Reject"
    FAIL = "Fail"


def parse_strategy(kind: type[E], value: str) -> E:
    """The member named by `value`; .NET binds enum settings case-insensitively."""
    for member in kind:
        if member.value.lower() == value.strip().lower():
            return member
    allowed = ", ".join(m.value for m in kind)
    raise ValueError(f"{value!r} is not one of {allowed}")
