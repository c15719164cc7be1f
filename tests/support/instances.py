"""Instances rows as DurableTask.AzureStorage writes them, read back by the one row reader.

The columns are the ones AzureTableTrackingStore writes for an orchestration (docs/domain.md,
"Instances table"): PartitionKey the escaped instance id, RowKey "", Name, RuntimeStatus,
CreatedTime, TaskHubName, and a Version column only for a versioned instance (null
properties are not written). Going through `read_row` keeps the records the pure core
gets in tests the same as the ones it gets from a table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from taskhub.hubs import escape_instance_id
from taskhub.instance_rows import InstanceRecord, read_row

CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def instance(
    instance_id: str,
    status: Any,
    version: Any = None,
    *,
    name: Any = "ProcessOrder",
    created: datetime = CREATED,
    hub: str = "orders",
) -> InstanceRecord:
    """One orchestration's row; `version` None writes no Version column (unversioned).

    `status`, `version` and `name` may be of any type a table holds, to make a row that
    cannot be read."""
    row: dict[str, Any] = {
        "PartitionKey": escape_instance_id(instance_id),
        "RowKey": "",
        "Name": name,
        "RuntimeStatus": status,
        "CreatedTime": created,
        "TaskHubName": hub,
    }
    if version is not None:
        row["Version"] = version
    return read_row(row)
