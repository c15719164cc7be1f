"""The instance source of a task hub kept in Azure Storage tables (the default backend).

It answers the stages' questions from the hub's Instances table (`taskhub.instances`: a
server-side status filter, a few columns) and its History table and large-message blobs
(`taskhub.history`), through one table client opened for the source's lifetime. Both
readers map every storage failure with `map_storage_errors`, so the source keeps the
promises of `InstanceSource` (a missing table is `HubNotFoundError`, never an empty hub).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from taskhub.connection import RetrySettings, StorageConnection
from taskhub.history import History, HistoryStore, large_messages_container
from taskhub.hubs import TaskHub
from taskhub.instance_rows import InstanceRecord
from taskhub.instances import InstanceStore


class StorageInstanceSource:
    """One hub's Instances and History tables in one storage account, read-only."""

    def __init__(
        self,
        hub: TaskHub,
        connection: StorageConnection,
        retry: RetrySettings,
        *,
        all_hubs: bool = False,
    ) -> None:
        """`all_hubs`: with a shared tracking store, every hub's rows, not only `hub`'s."""
        self._service = connection.service_client(retry)
        self._instances = InstanceStore(
            self._service, hub, secrets=connection.secrets, all_hubs=all_hubs
        )
        self._hub, self._connection, self._retry = hub, connection, retry
        self._histories: HistoryStore | None = None
        self._opening = threading.Lock()
        self._description = f"table {hub.instances_table!r} at {connection.description}"

    @property
    def description(self) -> str:
        return self._description

    def unfinished(
        self, *, include_entities: bool = False, detail: bool = True
    ) -> Sequence[InstanceRecord]:
        return self._instances.unfinished(include_entities=include_entities, detail=detail)

    def instances(self, *, include_entities: bool = False) -> Sequence[InstanceRecord]:
        return self._instances.instances(include_entities=include_entities)

    def completed_since(self, since: datetime) -> Sequence[InstanceRecord]:
        return self._instances.completed_since(since)

    def has_any_instance(self) -> bool:
        return self._instances.has_any_instance()

    def history(self, instance_id: str, execution_id: str | None = None) -> History:
        return self._history_store().history(instance_id, execution_id)

    def _history_store(self) -> HistoryStore:
        """Opened on the first history read (the replay check's, from several threads): the
        gate and the watches never read one, and never load the blob client."""
        with self._opening:
            if self._histories is None:
                hub, connection = self._hub, self._connection
                blobs = connection.blob_reader(large_messages_container(hub), self._retry)
                self._histories = HistoryStore(
                    self._service, hub, blobs, secrets=connection.secrets
                )
            return self._histories

    def close(self) -> None:
        self._service.close()
