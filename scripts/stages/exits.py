"""Exit codes shared by every stage, so a pipeline can branch on them the same way."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    """The stage's question has a "yes": drained, safe, no violations."""
    NOT_YET = 1
    """A definite "no" for now: still running at the timeout, not safe yet, violations."""
    CANNOT_DECIDE = 2
    """Bad arguments, no access, a missing table, storage unreachable after retries."""
