"""The fault switches tests turn on, and the record of every ARM call the stand-in answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Faults:
    status: int | None = None
    burst: list[int] = field(default_factory=list)
    swap_seconds: float = 0.0
    swap_status: int | None = None
    swap_failure: str | None = None
    accepted_then: int | None = None
    refuse: dict[str, int] = field(default_factory=dict)
    """Last path segment (e.g. "resetSlotConfig") -> the status App Service answers it with."""
    settings_lost: list[int] = field(default_factory=list)
    """Statuses for the next settings PUTs, answered AFTER the settings were applied: the
    answer of a write that took effect is lost (a gateway timeout in front of App Service)."""


@dataclass(frozen=True)
class ArmCall:
    method: str
    path: str
    body: Any = None
