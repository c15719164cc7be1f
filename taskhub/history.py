"""An instance's history, read as DurableTask.AzureStorage writes it, in the shape a Python
worker receives it.

Sources (DOMAIN.md, "History table" and "Replaying a history"): AzureTableTrackingStore
writes one row per event, PartitionKey the escaped instance id, RowKey the sequence number
as 16 hex digits (`UpdateStateAsync`: `sequenceNumber.ToString("X16")`), plus a `sentinel`
row naming the current ExecutionId; TableEntityConverter writes enum properties as their
names, nested objects as JSON strings, the event time as `_Timestamp` (`EnumerateMembers`),
and `CompressLargeMessageAsync` moves values over ~60 KB to gzipped blobs named by
`<Prop>BlobName`.

The reader is total: a row, column or blob it cannot read makes that one history
`UnreadableHistory` with the reason, never a traceback for the whole command.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.data.tables import TableServiceClient

from taskhub.errors import DurableDeployError, translate_storage_error
from taskhub.hubs import TaskHub, escape_instance_id

SENTINEL_ROW = "sentinel"
BLOB_SUFFIX = "BlobName"

# DurableTask.Core History/EventType.cs, in declaration order (the enum's values).
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
            "ExecutionRewound",
        ]
    )
}
UNKNOWN_EVENT = -1
"""The EventType given to a name DurableTask added after this list (read, never replayed)."""
SDK_EVENT_TYPES = range(21)
"""azure-functions-durable's HistoryEventType stops at ExecutionResumed (20)."""
ORCHESTRATOR_COMPLETED = EVENT_TYPES["OrchestratorCompleted"]
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


class UnreadableHistory(DurableDeployError):
    """One instance's rows cannot be read as DurableTask wrote them; the reason says why."""


@dataclass(frozen=True)
class History:
    instance_id: str
    execution_id: str | None
    events: list[dict[str, Any]]

    def started(self) -> dict[str, Any] | None:
        return next((e for e in self.events if e["EventType"] == 0), None)

    def prefixes(self) -> list[History]:
        """The history as it stood after each episode: each ends at an OrchestratorCompleted."""
        return [
            History(self.instance_id, self.execution_id, self.events[: index + 1])
            for index, event in enumerate(self.events)
            if event["EventType"] == ORCHESTRATOR_COMPLETED
        ]


def large_messages_container(hub: TaskHub) -> str:
    return f"{hub.name.lower()}-largemessages"


def _iso(value: Any) -> Any:
    """A time as the extension serialises it for the worker: Json.NET's ISO date format,
    which drops a fraction's trailing zeros (`09:00:00.25Z`, `09:00:01Z`). The SDK parses
    every event's time with dateutil, which reads the short form in about half the time."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
        return text + "Z"
    return value


def _event_type(row: Mapping[str, Any]) -> int:
    kind = row.get("EventType")
    if isinstance(kind, int):
        return kind
    return EVENT_TYPES.get(str(kind), UNKNOWN_EVENT)


def to_worker_event(row: Mapping[str, Any], blobs: BlobReader | None) -> dict[str, Any]:
    """One History row as the JSON event the Python SDK reads; UnreadableHistory if it cannot."""
    where = f"row {row.get('RowKey')!r}"
    event: dict[str, Any] = {"EventType": _event_type(row), "Result": None, "TimerId": None}
    stamp = row.get("_Timestamp") or getattr(row, "metadata", {}).get("timestamp")
    if stamp is None:
        raise UnreadableHistory(f"{where} has no _Timestamp")
    event["Timestamp"] = _iso(stamp)
    for key, value in row.items():
        if key in DROPPED or key.endswith(BLOB_SUFFIX):
            continue
        event[key] = _iso(value)
    for key, value in row.items():
        if key.endswith(BLOB_SUFFIX) and value:
            event[key[: -len(BLOB_SUFFIX)]] = _blob_text(str(value), blobs, where)
    for key in JSON_COLUMNS:
        if isinstance(event.get(key), str) and event[key]:
            try:
                event[key] = json.loads(event[key])
            except ValueError as exc:
                raise UnreadableHistory(f"{where}: column {key} is not JSON ({exc})") from None
    status = event.get("OrchestrationStatus")
    if isinstance(status, str):
        event["OrchestrationStatus"] = ORCHESTRATION_STATUS.get(status, status)
    # An absent column is null; the runtime's defaults for the two the SDK needs.
    if not isinstance(event.get("EventId"), int):
        event["EventId"] = -1
    event.setdefault("IsPlayed", True)
    event.setdefault("Version", None)  # the SDK reads ExecutionStarted.Version unguarded
    return event


def _blob_text(name: str, blobs: BlobReader | None, where: str) -> str:
    if blobs is None:
        raise UnreadableHistory(f"{where} names blob {name!r} but no blob reader was given")
    try:
        return gzip.decompress(blobs(name)).decode("utf-8")
    except ResourceNotFoundError:
        raise UnreadableHistory(f"{where} names blob {name!r}, which does not exist") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise UnreadableHistory(
            f"{where}: blob {name!r} is not gzipped UTF-8 text ({exc})"
        ) from None


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

    def history(self, instance_id: str, execution_id: str | None = None) -> History:
        """The events of `execution_id` (the one the Instances row names), else the current one.

        Follows AzureTableTrackingStore.GetHistoryEventsAsync: rows of the expected execution
        and the sentinel, in RowKey order; when the sentinel names another execution the
        history is empty (the expected one has not checkpointed yet); reading stops at the
        first row of another ExecutionId (a shorter earlier generation's leftovers).
        Storage failures raise DurableDeployError; rows that cannot be read, UnreadableHistory.
        """
        key = escape_instance_id(instance_id).replace("'", "''")
        query = f"PartitionKey eq '{key}'"
        if execution_id:
            wanted = execution_id.replace("'", "''")
            query += f" and (RowKey eq '{SENTINEL_ROW}' or ExecutionId eq '{wanted}')"
        try:
            rows = list(self.table.query_entities(query))
            sentinel = next((r for r in rows if r.get("RowKey") == SENTINEL_ROW), None)
            events = sorted((r for r in rows if r is not sentinel), key=_sequence)
            first: Mapping[str, Any] = sentinel or (events[0] if events else {})
            current = first.get("ExecutionId")
            if execution_id and sentinel is not None and current != execution_id:
                return History(instance_id, execution_id, [])
            kept = []
            for row in events:
                if current and row.get("ExecutionId") != current:
                    break
                kept.append(to_worker_event(row, self.blobs))
        except AzureError as exc:
            raise translate_storage_error(exc, self.hub, self.secrets) from None
        return History(instance_id, current or execution_id, kept)


def _sequence(row: Mapping[str, Any]) -> int:
    text = str(row.get("RowKey"))
    try:
        return int(text, 16)
    except ValueError:
        raise UnreadableHistory(f"row key {text!r} is not a hex sequence number") from None
