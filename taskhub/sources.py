"""Where a task hub lives (`HubAddress`), and the one place that opens what reads it.

Every stage reads a hub through `open_source`, so a stage never knows its backend: the
connection's type decides. A new backend is one module implementing `InstanceSource`, one
member of `Connection`, and one branch here; no stage changes.

A connection string's backend is read from its shape (`taskhub.scheduler.connection_kind`)
wherever one is taken: `parse_connection` and `connection_from_setting` are the two ways in.

The ledger and the route table are tables of a storage account beside the hub (the route
table in the shared tracking store), so they open from a storage connection only: a
scheduler has no tables, and a ledger written anywhere else would not be beside the hub.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import assert_never

from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import ConfigurationError
from taskhub.hubs import TaskHub
from taskhub.instance_source import InstanceSource
from taskhub.ledger import LEDGER_TABLE, Ledger
from taskhub.routes import RouteStore
from taskhub.scheduler.connection_kind import ConnectionKind, connection_kind
from taskhub.scheduler.connection_string import (
    SchedulerConnection,
    parse_scheduler_connection_string,
)
from taskhub.storage_account import connection_section
from taskhub.storage_source import StorageInstanceSource

Connection = StorageConnection | SchedulerConnection
"""How a hub is reached: one member per durable backend (`description` and `secrets` are
what every member offers the output)."""


@dataclass(frozen=True)
class HubAddress:
    """A task hub and the connection that reaches it."""

    hub: TaskHub
    connection: Connection


def parse_connection(text: str, *, source: str = "connection string") -> Connection:
    """The connection a connection string of either backend names, told apart by shape;
    ConfigurationError naming both forms when it has neither (or both)."""
    if connection_kind(text, source=source) is ConnectionKind.SCHEDULER:
        return parse_scheduler_connection_string(text.strip(), source=source)
    return StorageConnection.from_connection_string(text, source=source)


def connection_from_setting(
    name: str, environ: Mapping[str, str], *, allowed_endpoints: Collection[str] = ()
) -> Connection:
    """The connection app setting `name` holds in `environ`, resolved as the host resolves
    it: a scheduler connection string, or any of storage's forms
    (`StorageConnection.from_setting`)."""
    found = connection_section(environ, name) if name and "=" not in name else None
    value = found.connection_string if found is not None else None
    if found is not None and isinstance(value, str) and value.strip():
        source = f"setting {found.name}"
        if connection_kind(value, source=source) is ConnectionKind.SCHEDULER:
            return parse_scheduler_connection_string(value.strip(), source=source)
    return StorageConnection.from_setting(name, environ, allowed_endpoints=allowed_endpoints)


@contextmanager
def open_source(
    address: HubAddress, retry: RetrySettings, *, all_hubs: bool = False
) -> Iterator[InstanceSource]:
    """The hub's instance source for the length of the block.

    `all_hubs`: with a shared tracking store, the rows of every hub in it (the rollout
    report of a whole store, a ramp's two versions); a backend without one ignores it.
    """
    connection = address.connection
    source: InstanceSource
    if isinstance(connection, StorageConnection):
        source = StorageInstanceSource(address.hub, connection, retry, all_hubs=all_hubs)
    elif isinstance(connection, SchedulerConnection):
        # Imported here: gRPC and the stubs load only when a scheduler is read.
        from taskhub.scheduler.grpc_errors import Retry
        from taskhub.scheduler.source import scheduler_source

        source = scheduler_source(
            connection,
            address.hub.name,
            retry=Retry(
                retries=retry.total,
                backoff=retry.backoff_factor,
                backoff_max=retry.backoff_max,
                timeout=retry.read_timeout,
            ),
        )
    else:
        assert_never(connection)
    with closing(source):
        yield source


def storage_only(connection: Connection, what: str) -> StorageConnection:
    """`connection` when it reaches a storage account; ConfigurationError (exit 2) saying
    why `what` needs one otherwise."""
    if isinstance(connection, SchedulerConnection):
        raise ConfigurationError(
            f"{what} is a table of the storage account beside the hub, and this hub is on the "
            f"Durable Task Scheduler ({connection.description}), which has no tables",
            fix="leave that option out on the scheduler backend (`retire` decides without "
            "--record and --history); keep the decision in the pipeline's own record",
        )
    return connection


@contextmanager
def open_ledger(address: HubAddress, retry: RetrySettings) -> Iterator[Ledger]:
    """The retirement ledger kept in the hub's own storage account."""
    connection = storage_only(address.connection, f"the retirement ledger ({LEDGER_TABLE})")
    with connection.service_client(retry) as service:
        yield Ledger(service, address.hub, secrets=connection.secrets)


@contextmanager
def open_route_store(connection: Connection, retry: RetrySettings) -> Iterator[RouteStore]:
    """The route table of the tracking store `connection` reaches."""
    storage = storage_only(connection, "the route table")
    with storage.service_client(retry) as service:
        yield RouteStore(service, secrets=storage.secrets)
