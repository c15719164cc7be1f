"""Exit codes shared by every stage, so a pipeline can branch on them the same way, and the
error a stage raises to end with one of them."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from taskhub.errors import DurableDeployError


class Exit(IntEnum):
    OK = 0
    """The stage's question has a "yes": drained, safe, no violations."""
    NOT_YET = 1
    """A definite "no" for now: still running at the timeout, not safe yet, violations."""
    CANNOT_DECIDE = 2
    """Bad arguments, no access, a missing table, storage unreachable after retries."""


class StageFailed(DurableDeployError):
    """A stage's definite "no" (exit 1) or "cannot" (exit 2), with what to do next (the
    detail's `fix`, when the stage knows one)."""

    def __init__(self, message: str, exit: Exit, detail: dict[str, Any] | None = None) -> None:
        self.detail = detail or {}
        super().__init__(message, fix=str(self.detail.get("fix", "")))
        self.exit = exit
