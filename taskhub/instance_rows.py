"""Reading one Instances row whatever its columns hold: a total function, never a crash.

DurableTask.AzureStorage writes strings and datetimes (docs/domain.md, "Instances table"), but
the table is schemaless: another writer, a migration or a hand edit can leave a Version
stored as Int32, a CreatedTime as a string, a TaskHubName as a number, or no RuntimeStatus
at all. Each column is coerced to what the stages compare (a number that stands for a
version or a name becomes its text, an ISO string becomes a datetime); what cannot be
coerced is recorded as a problem, and a row with a problem is "unreadable": it holds every
gate and is listed, because a row we cannot judge is never "finished".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from azure.data.tables import EntityProperty

from taskhub.hubs import is_entity_key, unescape_instance_id

_MAX_SHOWN = 40


class VersionSource(StrEnum):
    """Where a record's version was read: backends differ in what their listings carry."""

    TABLE = "table"
    """The Instances table's Version column (Azure Storage)."""
    LISTING = "listing"
    """`OrchestrationState.version` in the scheduler's listing (Durable Task Scheduler)."""
    HISTORY = "history"
    """The execution's ExecutionStarted event, when the listing leaves the version out."""
    INSTANCE = "instance"
    """The instance's own state (`GetInstance`), when neither the listing nor a history has
    it: a Pending instance has recorded no event yet (Durable Task Scheduler)."""


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
    unreadable: tuple[str, ...] = ()
    """One "Column: why" per column that could not be coerced; empty for a sound row."""
    version_source: VersionSource = VersionSource.TABLE

    @property
    def readable(self) -> bool:
        return not self.unreadable

    def unreadable_column(self, column: str) -> bool:
        return any(p.startswith(f"{column}:") for p in self.unreadable)

    @classmethod
    def from_entity(cls, row: Mapping[str, Any]) -> InstanceRecord:
        return read_row(row)


def oldest_first(record: InstanceRecord) -> tuple[bool, float, str]:
    """Sort key of every listing: by creation, records without a creation time last."""
    created = record.created_time.timestamp() if record.created_time else 0.0
    return (record.created_time is None, created, record.instance_id)


class _Reader:
    """Coerces one row's columns, collecting what could not be coerced."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.row = row
        self.problems: list[str] = []

    def _raw(self, column: str) -> Any:
        value = self.row.get(column)
        return value.value if isinstance(value, EntityProperty) else value

    def _refuse(self, column: str, value: Any, expected: str) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= _MAX_SHOWN else shown[:_MAX_SHOWN] + "..."
        self.problems.append(f"{column}: {type(value).__name__} {shown} is not {expected}")

    def text(self, column: str, *, numbers: bool = True) -> str | None:
        """A string column; with `numbers`, an integer or finite double becomes its text."""
        value = self._raw(column)
        if value is None or isinstance(value, str):
            return value
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if numbers and isinstance(value, float) and math.isfinite(value):
            return repr(value)
        self._refuse(column, value, "text")
        return None

    def time(self, column: str) -> datetime | None:
        value = self._raw(column)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                self._refuse(column, value, "an ISO 8601 date and time")
                return None
        if not isinstance(value, datetime):
            self._refuse(column, value, "a date and time")
            return None
        # A time without an offset is UTC, as the Table service stores every DateTime.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_row(row: Mapping[str, Any]) -> InstanceRecord:
    """The record for `row`; never raises, whatever the columns hold."""
    reader = _Reader(row)
    key = reader.text("PartitionKey", numbers=False) or ""
    before = len(reader.problems)
    status = reader.text("RuntimeStatus", numbers=False)
    if status is None and len(reader.problems) == before:
        reader.problems.append("RuntimeStatus: the column is missing")
    elif status is not None and not status.strip():
        reader.problems.append("RuntimeStatus: the column is empty")
    hub = reader.text("TaskHubName", numbers=False)
    return InstanceRecord(
        instance_id=unescape_instance_id(key),
        name=reader.text("Name"),
        # Unversioned instances have no Version column, or an empty one: both are "".
        version=reader.text("Version") or "",
        runtime_status=status or "",
        created_time=reader.time("CreatedTime"),
        last_updated_time=reader.time("LastUpdatedTime"),
        # "" names no hub: such a row cannot be attributed, like one without the column.
        task_hub=hub if hub and hub.strip() else None,
        is_entity=is_entity_key(key),
        execution_id=reader.text("ExecutionId", numbers=False),
        completed_time=reader.time("CompletedTime"),
        unreadable=tuple(reader.problems),
    )
