"""Errors that mean "cannot decide": each carries the fix a user should try.

Pipeline stages map every one of them to the same exit code (2), because a gate that does
not know must never say "safe".
"""

from __future__ import annotations


class TaskHubError(Exception):
    """Base class; `fix` tells the user what to do next."""

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message


class ConfigurationError(TaskHubError):
    """The arguments or settings describe no usable hub or connection."""


class HubNotFoundError(TaskHubError):
    """The hub's Instances table does not exist: often a mistyped hub name."""


class AccountNotFoundError(TaskHubError):
    """A 404 that is not the service's "table not found": wrong account, endpoint or proxy.

    Never a missing hub: `--allow-missing-hub` must not pass on it.
    """


class AccessDeniedError(TaskHubError):
    """Authentication or authorisation to the storage account failed."""


class StoreUnavailableError(TaskHubError):
    """The storage account could not be read, even after retries."""
