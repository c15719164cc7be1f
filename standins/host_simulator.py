"""A stand-in for the Durable Functions host's writes to the Instances table.

It runs no orchestrator code. It writes rows with the columns, types and status
transitions that DurableTask.AzureStorage's AzureTableTrackingStore writes
(SetNewExecutionAsync for a new instance, UpdateStateAsync as the history grows), so the
rehearsal, the tests and the benchmarks read exactly what a real hub holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableServiceClient, UpdateMode

from taskhub.hubs import TaskHub, escape_instance_id
from taskhub.status import RuntimeStatus, is_finished


@dataclass
class SimulatedInstance:
    instance_id: str
    name: str
    status: str = RuntimeStatus.RUNNING
    version: str | None = None
    input: str = "null"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    execution_id: str = "00000000000000000000000000000000"
    # Rows written by old extension versions carry no TaskHubName.
    writes_task_hub_name: bool = True


class DurableHostSimulator:
    def __init__(self, service: TableServiceClient, hub: TaskHub) -> None:
        self.service = service
        self.hub = hub
        self.table = service.get_table_client(hub.instances_table)

    def create_hub(self) -> None:
        """The host creates its tables at start-up; ours is idempotent like it."""
        for name in (self.hub.instances_table, self.hub.history_table):
            with contextlib.suppress(ResourceExistsError):
                self.service.create_table(name)

    def row(self, instance: SimulatedInstance) -> dict[str, Any]:
        now = datetime.now(UTC)
        row: dict[str, Any] = {
            "PartitionKey": escape_instance_id(instance.instance_id),
            "RowKey": "",
            "Input": instance.input,
            "CreatedTime": instance.created,
            "Name": instance.name,
            "RuntimeStatus": str(instance.status),
            "LastUpdatedTime": now,
            "ExecutionId": instance.execution_id,
            "Generation": 0,
            "CustomStatus": "null",
        }
        # The .NET writer drops null properties: an unversioned instance has no column.
        if instance.version is not None:
            row["Version"] = instance.version
        if instance.writes_task_hub_name:
            row["TaskHubName"] = self.hub.name
        if is_finished(instance.status):
            row["CompletedTime"] = now
            row["Output"] = "null"
        return row

    def write(self, instance: SimulatedInstance) -> None:
        self.table.upsert_entity(self.row(instance), mode=UpdateMode.REPLACE)

    def write_many(self, instances: Iterable[SimulatedInstance], concurrency: int = 16) -> int:
        """Concurrent single-row upserts: each instance is its own partition, so no batches."""
        with ThreadPoolExecutor(concurrency) as pool:
            return sum(1 for _ in pool.map(self.write, instances))

    def transition(self, instance_id: str, status: str, output: str = "null") -> None:
        """Merge a status change into an existing row, as UpdateStateAsync does."""
        now = datetime.now(UTC)
        update: dict[str, Any] = {
            "PartitionKey": escape_instance_id(instance_id),
            "RowKey": "",
            "RuntimeStatus": str(status),
            "LastUpdatedTime": now,
        }
        if is_finished(status):
            update["CompletedTime"] = now
            update["Output"] = output
        self.table.upsert_entity(update, mode=UpdateMode.MERGE)
