"""Which backend a connection string is for, read from its shape alone.

Every option that takes a connection today (`--connection-string`,
`DURABLE_DEPLOY_CONNECTION_STRING`, `--connection-setting NAME`, `--stack-output`) may hold
either form, so the stages ask this first. The two forms share no key: a storage string
names an account (`AccountName`, `DefaultEndpointsProtocol`, `UseDevelopmentStorage`, a
`<Service>Endpoint`, a `SharedAccessSignature`: azure-storage `parse_connection_str`), a
scheduler string an `Endpoint` and an `Authentication` (durabletask-dotnet
`DurableTaskSchedulerConnectionString`). A string with neither shape, or with both, is
refused naming both forms: guessing would read the wrong backend, and an empty answer from
the wrong one looks like a drained hub.
"""

from __future__ import annotations

from enum import StrEnum

from taskhub.errors import ConfigurationError
from taskhub.scheduler.connection_string import FORMS, parse_pairs

_SCHEDULER_KEYS = frozenset({"endpoint", "authentication"})
_STORAGE_KEYS = frozenset(
    {
        "accountname",
        "accountkey",
        "defaultendpointsprotocol",
        "usedevelopmentstorage",
        "endpointsuffix",
        "sharedaccesssignature",
        "tableendpoint",
        "blobendpoint",
        "queueendpoint",
        "fileendpoint",
        "developmentstorageproxyuri",
    }
)


class ConnectionKind(StrEnum):
    STORAGE = "azureStorage"
    SCHEDULER = "durableTaskScheduler"
    """The names host.json's storageProvider and the stack config give the two backends."""


def connection_kind(text: str, *, source: str = "connection string") -> ConnectionKind:
    """The backend `text` connects to; ConfigurationError naming both forms otherwise.

    The message never repeats the string: it may hold a key."""
    try:
        keys = set(parse_pairs(text.strip()))
    except ValueError as exc:
        raise ConfigurationError(
            f"the {source} is not a connection string ({exc})", fix=f"pass {FORMS}"
        ) from None
    scheduler, storage = keys & _SCHEDULER_KEYS, keys & _STORAGE_KEYS
    if scheduler and not storage:
        return ConnectionKind.SCHEDULER
    if storage and not scheduler:
        return ConnectionKind.STORAGE
    shown = ", ".join(sorted(keys)) or "no keys"
    problem = "mixes the keys of both forms" if storage else "has the shape of neither form"
    raise ConfigurationError(
        f"the {source} {problem} (keys: {shown})",
        fix=f"pass {FORMS}",
    )
