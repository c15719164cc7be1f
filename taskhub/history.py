"""An instance's history, read as DurableTask.AzureStorage writes it, in the shape a Python
worker receives it.

Sources (DOMAIN.md, "History table" and "Replaying a history"): AzureTableTrackingStore
writes one row per event, PartitionKey the escaped instance id, RowKey the sequence number
as 16 hex digits, plus a `sentinel` row naming the current ExecutionId; TableEntityConverter
writes enum properties as their names, nested objects as JSON strings, the event time as
`_Timestamp`, and moves values over ~60 KB to gzipped blobs named by `<Prop>BlobName`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.core.exceptions import AzureError
from azure.data.tables import TableServiceClient

from taskhub.errors import StoreUnavailableError
from taskhub.hubs import TaskHub, escape_instance_id
from taskhub.instances import translate_storage_error

SENTINEL_ROW = "sentinel"
BLOB_SUFFIX = "BlobName"

EVENT_TYPES = {
    name: number
    for number, name in enumerate(
        [
            "ExecutionStarted",
            "ExecutionCompleted",
            "ExecutionFailed",
            "ExecutionTerminated",
            "TaskScheduled",
            "TaskCompleted",
            "TaskFailed",
            "SubOrchestrationInstanceCreated",
            "SubOrchestrationInstanceCompleted",
            "SubOrchestrationInstanceFailed",
            "TimerCreated",
            "TimerFired",
            "OrchestratorStarted",
            "OrchestratorCompleted",
            "EventSent",
            "EventRaised",
            "ContinueAsNew",
            "GenericEvent",
            "HistoryState",
            "ExecutionSuspended",
            "ExecutionResumed",
        ]
    )
}
ORCHESTRATION_STATUS = {
    name: number
    for number, name in enumerate(
        [
            "Running",
            "Completed",
            "ContinuedAsNew",
            "Failed",
            "Canceled",
            "Terminated",
            "Pending",
            "Suspended",
        ]
    )
}
JSON_COLUMNS = ("OrchestrationInstance", "ParentInstance", "Tags", "FailureDetails")
DROPPED = ("PartitionKey", "RowKey", "Timestamp", "ExecutionId", "_Timestamp", "EventType")

BlobReader = Callable[[str], bytes]
"""Reads one blob of the hub's large-messages container by name."""


@dataclass(frozen=True)
class History:
    instance_id: str
    execution_id: str | None
    events: list[dict[str, Any]]

    def started(self) -> dict[str, Any] | None:
        return next((e for e in self.events if e["EventType"] == 0), None)


def large_messages_container(hub: TaskHub) -> str:
    return f"{hub.name.lower()}-largemessages"


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def to_worker_event(row: Mapping[str, Any], blobs: BlobReader | None) -> dict[str, Any]:
    """One History row as the JSON event the Python SDK reads."""
    kind = str(row.get("EventType", ""))
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown EventType {kind!r} in row {row.get('RowKey')!r}")
    event: dict[str, Any] = {"EventType": EVENT_TYPES[kind], "Result": None, "TimerId": None}
    event["Timestamp"] = _iso(row.get("_Timestamp"))
    for key, value in row.items():
        if key in DROPPED or key.endswith(BLOB_SUFFIX):
            continue
        event[key] = _iso(value)
    for key, value in row.items():
        if key.endswith(BLOB_SUFFIX) and value:
            if blobs is None:
                raise ValueError(f"{key} names a blob but no blob reader was given")
            event[key[: -len(BLOB_SUFFIX)]] = gzip.decompress(blobs(str(value))).decode()
    for key in JSON_COLUMNS:
        if isinstance(event.get(key), str) and event[key]:
            event[key] = json.loads(event[key])
    if isinstance(event.get("OrchestrationStatus"), str):
        event["OrchestrationStatus"] = ORCHESTRATION_STATUS[event["OrchestrationStatus"]]
    event.setdefault("EventId", -1)
    event.setdefault("IsPlayed", True)
    return event


class HistoryStore:
    """Reads instances' histories from `{hub}History` (or the tracking store's)."""

    def __init__(
        self,
        service: TableServiceClient,
        hub: TaskHub,
        blobs: BlobReader | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.table = service.get_table_client(hub.history_table)
        self.hub = hub
        self.blobs = blobs
        self.secrets = secrets

    def history(self, instance_id: str) -> History:
        key = escape_instance_id(instance_id).replace("'", "''")
        try:
            rows = list(self.table.query_entities(f"PartitionKey eq '{key}'"))
        except AzureError as exc:
            raise translate_storage_error(exc, self.hub, self.secrets) from None
        if not rows:
            raise StoreUnavailableError(
                f"instance {instance_id!r} has no rows in {self.hub.history_table}",
                fix="the history was purged, or the instance belongs to another hub",
            )
        sentinel = next((r for r in rows if r["RowKey"] == SENTINEL_ROW), None)
        events = sorted((r for r in rows if r["RowKey"] != SENTINEL_ROW), key=_sequence)
        first: Mapping[str, Any] = sentinel or (events[0] if events else {})
        execution = first.get("ExecutionId")
        # Rows of another ExecutionId are leftovers of an earlier generation (ContinueAsNew).
        kept = [r for r in events if not execution or r.get("ExecutionId") == execution]
        try:
            current = [to_worker_event(row, self.blobs) for row in kept]
        except AzureError as exc:
            raise translate_storage_error(exc, self.hub, self.secrets) from None
        return History(instance_id, execution, current)


def _sequence(row: Mapping[str, Any]) -> int:
    return int(str(row["RowKey"]), 16)
