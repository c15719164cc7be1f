"""An instance's history, read as DurableTask.AzureStorage writes it, in the shape a Python
worker receives it.

Sources (docs/domain.md, "History table" and "Replaying a history"): AzureTableTrackingStore
writes one row per event, PartitionKey the escaped instance id, RowKey the sequence number
as 16 hex digits (`UpdateStateAsync`: `sequenceNumber.ToString("X16")`), plus a `sentinel`
row naming the current ExecutionId; TableEntityConverter writes enum properties as their
names, nested objects as JSON strings, the event time as `_Timestamp` (`EnumerateMembers`),
and `CompressLargeMessageAsync` moves values over ~60 KB to gzipped blobs named by
`<Prop>BlobName`.

The reader is total: a row, column or blob it cannot read makes that one history
`UnreadableHistory` with the reason, never a traceback for the whole command.

Rows and blobs are input a hostile writer of the hub's storage controls, so reading them is
bounded (each bound breached makes that one history unreadable):
- a blob is decompressed as a stream, at most `MAX_BLOB_BYTES` of it and `MAX_HISTORY_BYTES`
  over one history's blobs, so a gzip bomb costs a bounded buffer, not its inflated size;
- a blob's name must be the one DurableTask.AzureStorage gives the row's value
  (AzureTableTrackingStore.GetBlobName: `{PartitionKey}/history-{RowKey}-{EventType}-
  {random:X8}-{property}.json.gz`, the random part since Azure/durabletask#891, 2023; the
  PartitionKey is the escaped instance id, so it holds no `/`), never `..`, an absolute
  path or another row's blob;
- a JSON value may nest at most `MAX_JSON_DEPTH` deep, checked before any parser (ours,
  the replay's or the SDK's) recurses into it: Python's parser recurses per level and ends
  the whole process's stack near its recursion limit (1000).
Each reader holds at most `MAX_HISTORY_BYTES` of inflated text (twice that while decoding),
so a replay with N concurrent reads is bounded by N times that.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableServiceClient

from taskhub.errors import DurableDeployError, map_storage_errors
from taskhub.hubs import TaskHub, escape_instance_id
from taskhub.status import RuntimeStatus

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
PLAYED_EVENTS = frozenset(
    {
        "ExecutionStarted",
        "TaskCompleted",
        "TaskFailed",
        "TimerFired",
        "SubOrchestrationInstanceCompleted",
        "SubOrchestrationInstanceFailed",
        "EventRaised",
        "ExecutionRewound",
        "ExecutionTerminated",
        "ExecutionSuspended",
        "ExecutionResumed",
    }
)
"""Events a Core replay marks IsPlayed: the messages it processed (TaskOrchestrationExecutor
sets it on each before the episode is written). The scheduler's proto has no IsPlayed field,
so its histories take it from here."""
UNKNOWN_EVENT = -1
"""The EventType given to a name DurableTask added after this list (read, never replayed)."""
SDK_EVENT_TYPES = range(21)
"""azure-functions-durable's HistoryEventType stops at ExecutionResumed (20)."""
ORCHESTRATOR_COMPLETED = EVENT_TYPES["OrchestratorCompleted"]
ORCHESTRATION_STATUS = {status.value: number for number, status in enumerate(RuntimeStatus)}
"""Core's OrchestrationStatus numbers, which the SDK's history events carry."""
JSON_COLUMNS = ("OrchestrationInstance", "ParentInstance", "Tags", "FailureDetails")
DROPPED = ("PartitionKey", "RowKey", "Timestamp", "ExecutionId", "_Timestamp", "EventType")

BlobReader = Callable[[str], bytes | Iterable[bytes]]
"""Reads one blob of the hub's large-messages container by name, whole or as chunks."""

MAX_BLOB_BYTES = 16 * 2**20
"""Inflated bytes read from one large-message blob. DurableTask moves values over ~60 KB to
blobs; a 16 MiB payload is far beyond what an orchestration should carry."""
MAX_HISTORY_BYTES = 32 * 2**20
"""Inflated bytes read from all the blobs of one history."""
MAX_JSON_DEPTH = 200
"""Nesting of one JSON value; Json.NET, which DurableTask serialises with, refuses beyond 64
by default (Newtonsoft.Json 13.0.1 `MaxDepth`), Python's parser fails near 1000."""
GZIP_WBITS = 16 + zlib.MAX_WBITS
"""zlib's window bits for a gzip wrapper, as .NET GZipStream writes it."""


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


def to_worker_event(
    row: Mapping[str, Any], blobs: BlobReader | None, budget: Budget | None = None
) -> dict[str, Any]:
    """One History row as the JSON event the Python SDK reads; UnreadableHistory if it cannot.

    `budget` bounds the blob bytes of the history the row belongs to (one per history)."""
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
            prop = key[: -len(BLOB_SUFFIX)]
            name = blob_name(row, prop, str(value))
            event[prop] = _blob_text(name, blobs, where, budget or Budget())
    for key, value in event.items():
        if isinstance(value, str) and too_deep(value):
            raise UnreadableHistory(
                f"{where}: column {key} nests JSON deeper than {MAX_JSON_DEPTH} levels"
            )
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


def blob_name(row: Mapping[str, Any], prop: str, name: str) -> str:
    """`name` when it is the blob DurableTask names for `row`'s `prop` (module docstring);
    UnreadableHistory otherwise, before any request is made with it."""
    key, sequence, kind = row.get("PartitionKey"), row.get("RowKey"), row.get("EventType")
    stem = f"{key}/history-{sequence}-{kind}-"
    fits = (
        isinstance(key, str)
        and key not in ("", ".", "..")
        and not any(c in key for c in "/\\")
        and re.fullmatch(
            re.escape(stem) + r"(?:[0-9A-F]{8}-)?" + re.escape(f"{prop}.json.gz"), name
        )
    )
    if not fits:
        raise UnreadableHistory(
            f"row {sequence!r} names blob {name[:120]!r} for {prop}, not the blob DurableTask "
            f"writes for it ({stem}[XXXXXXXX-]{prop}.json.gz)"
        )
    return name


# A JSON string (escapes skipped whole) or a bracket: what nesting depth is counted from.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when `text`, read as JSON, nests deeper than `limit`; linear, no recursion."""
    if not text.lstrip().startswith(("[", "{")):
        return False
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > limit:
                return True
        elif token == "]" or token == "}":
            depth -= 1
    return False


class Budget:
    """Inflated blob bytes one history may still read (`MAX_HISTORY_BYTES`)."""

    def __init__(self, left: int = MAX_HISTORY_BYTES) -> None:
        self.left = left

    def limit(self) -> int:
        return min(MAX_BLOB_BYTES, self.left)

    def spend(self, size: int) -> None:
        self.left -= size


def _blob_text(name: str, blobs: BlobReader | None, where: str, budget: Budget) -> str:
    if blobs is None:
        raise UnreadableHistory(f"{where} names blob {name!r} but no blob reader was given")
    try:
        data = gunzip(blobs(name), budget.limit(), f"{where}: blob {name!r}")
        budget.spend(len(data))
        return data.decode("utf-8")
    except ResourceNotFoundError:
        raise UnreadableHistory(f"{where} names blob {name!r}, which does not exist") from None
    except (zlib.error, UnicodeDecodeError) as exc:
        raise UnreadableHistory(
            f"{where}: blob {name!r} is not gzipped UTF-8 text ({exc})"
        ) from None


def gunzip(chunks: bytes | Iterable[bytes], limit: int, what: str) -> bytes:
    """A gzip stream (one or more members, as `gzip.decompress` reads) inflated to at most
    `limit` bytes; UnreadableHistory as soon as it would inflate beyond, so a bomb costs at
    most `limit` plus one chunk. Compressed input beyond `limit` is refused as well (an
    endless run of empty members inflates to nothing)."""
    parts: list[bytes] = []
    inflated = read = 0
    inflater = zlib.decompressobj(GZIP_WBITS)
    started = False
    for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
        read += len(chunk)
        if read > limit + 2**16:
            raise UnreadableHistory(f"{what} is larger than {limit} bytes")
        data = chunk
        while data:
            if inflater.eof:
                inflater = zlib.decompressobj(GZIP_WBITS)  # the next gzip member
            started = True
            out = inflater.decompress(data, limit - inflated + 1)
            inflated += len(out)
            if inflated > limit:
                raise UnreadableHistory(f"{what} inflates beyond {limit} bytes")
            parts.append(out)
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
    if started and not inflater.eof:
        raise zlib.error("the gzip stream ends before its end-of-stream marker")
    return b"".join(parts)


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
        with map_storage_errors(self.hub.history_table, hub=self.hub.name, secrets=self.secrets):
            rows = list(self.table.query_entities(query))
            sentinel = next((r for r in rows if r.get("RowKey") == SENTINEL_ROW), None)
            events = sorted((r for r in rows if r is not sentinel), key=_sequence)
            first: Mapping[str, Any] = sentinel or (events[0] if events else {})
            current = first.get("ExecutionId")
            if execution_id and sentinel is not None and current != execution_id:
                return History(instance_id, execution_id, [])
            kept = []
            budget = Budget()
            for row in events:
                if current and row.get("ExecutionId") != current:
                    break
                kept.append(to_worker_event(row, self.blobs, budget))
        return History(instance_id, current or execution_id, kept)


def _sequence(row: Mapping[str, Any]) -> int:
    text = str(row.get("RowKey"))
    try:
        return int(text, 16)
    except ValueError:
        raise UnreadableHistory(f"row key {text!r} is not a hex sequence number") from None
