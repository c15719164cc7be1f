"""Reading a hub's Instances table: only the rows and columns a decision needs.

No column of the table is indexed, so every status question is a full scan. What we can
control is how much comes back: the status filter runs on the server, entity rows are cut
by a PartitionKey range there too, and only a handful of small columns are selected (never
Input, Output or CustomStatus, which may be tens of kilobytes per row).

Reads never create a table: a missing table is reported, because an empty answer from a
mistyped hub name would look exactly like a drained hub.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.data.tables import TableClient, TableServiceClient

from taskhub.errors import (
    AccessDeniedError,
    HubNotFoundError,
    StoreUnavailableError,
    TaskHubError,
)
from taskhub.hubs import ENTITY_KEY_PREFIX, TaskHub, is_entity_key, unescape_instance_id
from taskhub.secrets import redact
from taskhub.status import TERMINAL_STATUSES

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

# Entity keys start with "@" (0x40); "A" (0x41) is the next character, so this range
# excludes them and nothing else.
_NOT_ENTITY = f"(PartitionKey lt '{ENTITY_KEY_PREFIX}' or PartitionKey ge 'A')"


def unfinished_filter(*, include_entities: bool = False) -> str:
    """OData filter for rows that are not in a terminal status.

    Written as "not terminal" rather than "is Running or Pending" so that Suspended,
    ContinuedAsNew and statuses a future runtime adds are caught too.
    """
    not_terminal = " and ".join(f"RuntimeStatus ne '{s}'" for s in sorted(TERMINAL_STATUSES))
    return not_terminal if include_entities else f"{_NOT_ENTITY} and {not_terminal}"


@dataclass(frozen=True)
class InstanceRecord:
    """One Instances-table row, reduced to what the stages report."""

    instance_id: str
    name: str | None
    version: str
    runtime_status: str
    created_time: datetime | None
    last_updated_time: datetime | None
    task_hub: str | None
    is_entity: bool
    execution_id: str | None = None
    """The current execution: the one whose History rows are this instance's now."""
    completed_time: datetime | None = None

    @classmethod
    def from_entity(cls, row: Mapping[str, Any]) -> InstanceRecord:
        key = str(row["PartitionKey"])
        return cls(
            instance_id=unescape_instance_id(key),
            name=row.get("Name"),
            # Unversioned instances have no Version column, or an empty one: both are "".
            version=row.get("Version") or "",
            runtime_status=row.get("RuntimeStatus") or "",
            created_time=row.get("CreatedTime"),
            last_updated_time=row.get("LastUpdatedTime"),
            task_hub=row.get("TaskHubName"),
            is_entity=is_entity_key(key),
            execution_id=row.get("ExecutionId"),
            completed_time=row.get("CompletedTime"),
        )


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
        self._table: TableClient = service.get_table_client(hub.instances_table)
        self._secrets = secrets

    def unfinished(self, *, include_entities: bool = False) -> list[InstanceRecord]:
        """Every not-finished instance of this hub, oldest first.

        With a shared tracking store, rows of other hubs are dropped; a row with no
        TaskHubName cannot be attributed, so it is kept (fail safe) with task_hub None.
        """
        return self._records(unfinished_filter(include_entities=include_entities))

    def instances(
        self, *, include_entities: bool = False, version: str | None = None
    ) -> list[InstanceRecord]:
        """Every instance, finished or not (optionally of one exact version), oldest first."""
        clauses = [] if include_entities else [_NOT_ENTITY]
        if version:
            clauses.append(f"Version eq '{_odata_literal(version)}'")
        records = self._records(" and ".join(clauses))
        if version == "":
            # Unversioned rows have no Version column, which no server filter can match.
            records = [r for r in records if r.version == ""]
        return records

    def _records(self, query: str) -> list[InstanceRecord]:
        records = [
            InstanceRecord.from_entity(row) for row in self._query(query, list(INSTANCE_COLUMNS))
        ]
        if self.hub.shares_tracking_store and not self.all_hubs:
            records = [r for r in records if self._may_belong_to_hub(r)]
        return sorted(records, key=_age_key)

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
        return record.task_hub is None or record.task_hub.lower() == self.hub.name.lower()

    def _query(
        self, query: str, select: list[str], page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        try:
            if query:
                yield from self._table.query_entities(
                    query, select=select, results_per_page=page_size
                )
            else:
                yield from self._table.list_entities(select=select, results_per_page=page_size)
        except TaskHubError:
            raise
        except Exception as exc:
            raise translate_storage_error(exc, self.hub, self._secrets) from None


def _age_key(record: InstanceRecord) -> tuple[bool, float, str]:
    created = record.created_time.timestamp() if record.created_time else 0.0
    return (record.created_time is None, created, record.instance_id)


def _odata_literal(value: str) -> str:
    return value.replace("'", "''")


def translate_storage_error(
    exc: Exception, hub: TaskHub, secrets: tuple[str, ...] = ()
) -> TaskHubError:
    """Map an azure-core failure to one of our "cannot decide" errors, secrets removed."""
    detail = redact(_first_line(exc), secrets)
    if isinstance(exc, ResourceNotFoundError):
        return HubNotFoundError(
            f"table {hub.instances_table!r} does not exist in this storage account, so "
            f"task hub {hub.name!r} has never run here",
            fix="check the hub name (host.json hubName, or the site name for the default hub) "
            "and the storage account; pass --allow-missing-hub if the hub may not exist yet",
        )
    if isinstance(exc, ClientAuthenticationError) or (
        isinstance(exc, HttpResponseError) and exc.status_code in (401, 403)
    ):
        return AccessDeniedError(
            f"storage refused access: {detail}",
            fix="sign in (az login / a federated pipeline identity) and grant "
            "'Storage Table Data Reader' on the account, or check the key or SAS",
        )
    if isinstance(exc, ServiceRequestError | ServiceResponseError | HttpResponseError):
        return StoreUnavailableError(
            f"storage could not be read after retries: {detail}",
            fix="check the endpoint and network access, then run again",
        )
    return StoreUnavailableError(f"unexpected error reading storage: {detail}")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
