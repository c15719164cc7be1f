"""Orchestration runtime statuses, and which of them mean an instance is done.

The rule is fail safe: only the four terminal statuses of DurableTask.Core count as
finished. Pending, Running, Suspended, ContinuedAsNew and any value this code does not
know (a newer runtime may add one) keep a drain gate closed.
"""

from __future__ import annotations

from enum import StrEnum


class RuntimeStatus(StrEnum):
    """The strings DurableTask.AzureStorage writes into the `RuntimeStatus` column.

    Declared in the order of DurableTask.Core's OrchestrationStatus enum (Running = 0 ...
    Suspended = 7), so a member's position is the number a history row carries.
    """

    RUNNING = "Running"
    COMPLETED = "Completed"
    CONTINUED_AS_NEW = "ContinuedAsNew"
    FAILED = "Failed"
    CANCELED = "Canceled"
    TERMINATED = "Terminated"
    PENDING = "Pending"
    SUSPENDED = "Suspended"


TERMINAL_STATUSES: frozenset[str] = frozenset(
    {
        RuntimeStatus.COMPLETED,
        RuntimeStatus.FAILED,
        RuntimeStatus.CANCELED,
        RuntimeStatus.TERMINATED,
    }
)


def is_finished(status: str | None) -> bool:
    """True only for a terminal status; a missing or unknown status is not finished."""
    return status in TERMINAL_STATUSES
