"""Where a task hub lives (`HubAddress`), and the one place that opens what reads it.

Every stage reads a hub through `open_source`, so a stage never knows its backend: the
connection's type decides. A new backend is one module implementing `InstanceSource`, one
member of `Connection`, and one branch here; no stage changes.

The ledger and the route table are tables of a storage account beside the hub (the route
table in the shared tracking store), so they open from a storage connection only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import assert_never

from taskhub.connection import RetrySettings, StorageConnection
from taskhub.hubs import TaskHub
from taskhub.instance_source import InstanceSource
from taskhub.ledger import Ledger
from taskhub.routes import RouteStore
from taskhub.storage_source import StorageInstanceSource

Connection = StorageConnection
"""How a hub is reached: one member per durable backend (`description` and `secrets` are
what every member offers the output)."""


@dataclass(frozen=True)
class HubAddress:
    """A task hub and the connection that reaches it."""

    hub: TaskHub
    connection: Connection


@contextmanager
def open_source(
    address: HubAddress, retry: RetrySettings, *, all_hubs: bool = False
) -> Iterator[InstanceSource]:
    """The hub's instance source for the length of the block.

    `all_hubs`: with a shared tracking store, the rows of every hub in it (the rollout
    report of a whole store, a ramp's two versions); a backend without one ignores it.
    """
    connection = address.connection
    if isinstance(connection, StorageConnection):
        source = StorageInstanceSource(address.hub, connection, retry, all_hubs=all_hubs)
    else:
        assert_never(connection)
    with closing(source):
        yield source


@contextmanager
def open_ledger(address: HubAddress, retry: RetrySettings) -> Iterator[Ledger]:
    """The retirement ledger kept in the hub's own storage account."""
    connection = address.connection
    with connection.service_client(retry) as service:
        yield Ledger(service, address.hub, secrets=connection.secrets)


@contextmanager
def open_route_store(connection: StorageConnection, retry: RetrySettings) -> Iterator[RouteStore]:
    """The route table of the tracking store `connection` reaches."""
    with connection.service_client(retry) as service:
        yield RouteStore(service, secrets=connection.secrets)
