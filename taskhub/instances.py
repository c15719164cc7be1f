"""Reading a hub's Instances table: only the rows and columns a decision needs.

No column of the table is indexed, so every status question is a full scan. What we can
control is how much comes back: the status filter runs on the server, entity rows are cut
by a PartitionKey range there too, and only a handful of small columns are selected (never
Input, Output or CustomStatus, which may be tens of kilobytes per row).

Reads never create a table: a missing table is reported, because an empty answer from a
mistyped hub name would look exactly like a drained hub.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from azure.data.tables import TableClient, TableServiceClient

from taskhub.errors import map_storage_errors
from taskhub.hubs import ENTITY_KEY_PREFIX, TaskHub
from taskhub.instance_rows import InstanceRecord, oldest_first
from taskhub.status import TERMINAL_STATUSES

__all__ = [
    "DRAIN_COLUMNS",
    "INSTANCE_COLUMNS",
    "InstanceRecord",
    "InstanceStore",
    "unfinished_filter",
]

INSTANCE_COLUMNS = (
    "PartitionKey",
    "Name",
    "Version",
    "RuntimeStatus",
    "CreatedTime",
    "LastUpdatedTime",
    "TaskHubName",
    "ExecutionId",
    "CompletedTime",
)

DRAIN_COLUMNS = ("PartitionKey", "RuntimeStatus")
"""What decides "drained": which instance, and whether it is finished (plus TaskHubName
where hubs share the table)."""
NO_METADATA = {"Accept": "application/json;odata=nometadata"}
"""The drain poll asks for rows without OData metadata (the SDK's default is minimal, which
adds an etag and a type annotation per row, more than the two columns themselves). Every
row the filter returns holds the gate whatever its RuntimeStatus holds, so the status
needs no type annotation. TaskHubName does: without one, an Int64 or a DateTime would
arrive as text and be attributed to another hub instead of kept, so a poll that reads it
keeps the SDK's metadata."""

# Entity keys start with "@" (0x40); "A" (0x41) is the next character, so this range
# excludes them and nothing else.
_NOT_ENTITY = f"(PartitionKey lt '{ENTITY_KEY_PREFIX}' or PartitionKey ge 'A')"


def unfinished_filter(*, include_entities: bool = False) -> str:
    """OData filter for rows that are not in a terminal status, or whose status is unknown.

    Written as "not terminal" rather than "is Running or Pending" so that Suspended,
    ContinuedAsNew and statuses a future runtime adds are caught too. A comparison with a
    column a row does not have (or holds as another type) is false on the service, so
    `RuntimeStatus ne 'Completed'` alone never returns a row without a RuntimeStatus; the
    `not (... eq ...)` branch returns exactly those rows as well (false, negated), in the
    same scan, and the reader then marks them unreadable.
    """
    terminal = sorted(TERMINAL_STATUSES)
    not_terminal = " and ".join(f"RuntimeStatus ne '{s}'" for s in terminal)
    not_known_terminal = "not (" + " or ".join(f"RuntimeStatus eq '{s}'" for s in terminal) + ")"
    status = f"(({not_terminal}) or {not_known_terminal})"
    return status if include_entities else f"{_NOT_ENTITY} and {status}"


class InstanceStore:
    """Queries over one hub's Instances table through an existing service client."""

    def __init__(
        self,
        service: TableServiceClient,
        hub: TaskHub,
        *,
        secrets: tuple[str, ...] = (),
        all_hubs: bool = False,
    ) -> None:
        """`all_hubs`: read every hub of a shared tracking store, not only `hub`."""
        self.hub = hub
        self.all_hubs = all_hubs and hub.shares_tracking_store
        self._attributes_rows = hub.shares_tracking_store and not self.all_hubs
        """Whether rows of other hubs share the table and are dropped by their TaskHubName."""
        self._table: TableClient = service.get_table_client(hub.instances_table)
        self._secrets = secrets

    def unfinished(
        self, *, include_entities: bool = False, detail: bool = True
    ) -> list[InstanceRecord]:
        """Every not-finished (or unreadable) instance of this hub, oldest first.

        With a shared tracking store, rows of other hubs are dropped; a row that names no
        hub (no TaskHubName, an empty one, or one that is not text) cannot be attributed,
        so it is kept (fail safe) with task_hub None. Without `detail`, only the columns
        that decide "drained" are read: the records carry no name, version or times (and
        so come in instance-id order), but the same rows come back.
        """
        query = unfinished_filter(include_entities=include_entities)
        if detail:
            return self._records(query)
        if self._attributes_rows:
            return self._records(query, (*DRAIN_COLUMNS, "TaskHubName"))
        return self._records(query, DRAIN_COLUMNS, headers=NO_METADATA)

    def instances(self, *, include_entities: bool = False) -> list[InstanceRecord]:
        """Every instance, finished or not, oldest first.

        No server-side Version filter: a Version stored as a number would never match a
        string literal, so versions are compared after the reader coerced them.
        """
        return self._records("" if include_entities else _NOT_ENTITY)

    def _records(
        self,
        query: str,
        columns: tuple[str, ...] = INSTANCE_COLUMNS,
        headers: dict[str, str] | None = None,
    ) -> list[InstanceRecord]:
        rows = self._query(query, list(columns), headers=headers)
        records = [InstanceRecord.from_entity(row) for row in rows]
        if self._attributes_rows:
            records = [r for r in records if self._may_belong_to_hub(r)]
        return sorted(records, key=oldest_first)

    def completed_since(self, since: datetime) -> list[InstanceRecord]:
        """Orchestrations that completed at or after `since` (CompletedTime is not indexed)."""
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return self._records(
            f"{_NOT_ENTITY} and RuntimeStatus eq 'Completed' and CompletedTime ge datetime'{stamp}'"
        )

    def has_any_instance(self) -> bool:
        """Whether the hub ever recorded an instance; a drained but empty hub is suspicious."""
        if self.hub.shares_tracking_store:
            query = f"TaskHubName eq '{_odata_literal(self.hub.name)}'"
        else:
            query = "RowKey eq ''"
        return next(iter(self._query(query, ["PartitionKey"], page_size=1)), None) is not None

    def _may_belong_to_hub(self, record: InstanceRecord) -> bool:
        if record.task_hub is None:
            return True
        return record.task_hub.strip().lower() == self.hub.name.lower()

    def _query(
        self,
        query: str,
        select: list[str],
        page_size: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        hub = self.hub
        options: dict[str, Any] = {"select": select, "results_per_page": page_size}
        if headers:
            options["headers"] = headers
        with map_storage_errors(hub.instances_table, hub=hub.name, secrets=self._secrets):
            if query:
                yield from self._table.query_entities(query, **options)
            else:
                yield from self._table.list_entities(**options)


def _odata_literal(value: str) -> str:
    return value.replace("'", "''")
