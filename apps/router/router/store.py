"""The router's two reads: the route table, and which hub owns an instance."""

from __future__ import annotations

from collections.abc import Callable

from azure.data.tables import TableServiceClient
from azure.data.tables.aio import TableServiceClient as AsyncTableServiceClient

from router.owners import OwnerLookup
from router.routing import OwnerUnavailable
from taskhub.errors import is_entity_missing, is_table_missing
from taskhub.hubs import escape_instance_id
from taskhub.instance_rows import read_row
from taskhub.routes import RouteStore, RouteTable

OWNER_COLUMNS = ["PartitionKey", "TaskHubName"]
"""What the owner needs: the key (read_row derives the id from it) and the hub."""


def route_loader(service: TableServiceClient) -> Callable[[], RouteTable]:
    return RouteStore(service).load


def instance_owner(service: AsyncTableServiceClient, instances_table: str) -> OwnerLookup:
    """A point read (PartitionKey = escaped id, RowKey = "") of the shared Instances table,
    on the event loop (the async client): a lookup never waits for a free thread.

    The row is read by the same total reader as every stage (`taskhub.instance_rows`), so
    a TaskHubName that is not text, or is empty, names no hub here either. None when the
    instance does not exist or its row names no hub (404: nothing is forwarded);
    OwnerUnavailable when the store cannot say, which the router answers with 503 rather
    than guessing a version.
    """
    table = service.get_table_client(instances_table)

    async def owner(instance_id: str) -> str | None:
        try:
            row = await table.get_entity(escape_instance_id(instance_id), "", select=OWNER_COLUMNS)
        except Exception as exc:
            if is_entity_missing(exc) or is_table_missing(exc):
                return None
            raise OwnerUnavailable(type(exc).__name__) from exc
        return read_row(row).task_hub

    return owner
