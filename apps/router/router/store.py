"""The router's two reads: the route table, and which hub owns an instance."""

from __future__ import annotations

from collections.abc import Callable

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableServiceClient

from taskhub.hubs import escape_instance_id
from taskhub.routes import RouteStore, RouteTable


def route_loader(service: TableServiceClient) -> Callable[[], RouteTable]:
    return RouteStore(service).load


def instance_owner(
    service: TableServiceClient, instances_table: str
) -> Callable[[str], str | None]:
    """A point read (PartitionKey = escaped id, RowKey = "") of the shared Instances table."""
    table = service.get_table_client(instances_table)

    def owner(instance_id: str) -> str | None:
        try:
            row = table.get_entity(escape_instance_id(instance_id), "", select=["TaskHubName"])
        except ResourceNotFoundError:
            return None
        hub = row.get("TaskHubName")
        return str(hub) if hub else None

    return owner
