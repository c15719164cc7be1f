"""A Durable Task Scheduler task hub as an `InstanceSource`.

Keeps the interface's promises (`taskhub.instance_source`):
- it only reads (QueryInstances, StreamInstanceHistory; never inputs or outputs), and a hub
  the scheduler does not know is `HubNotFoundError`, never an empty hub;
- every page is read: continuation tokens are followed to the end, and a token that comes
  back again (it does not advance) is an error, since the rest of the listing is unknown;
- the listing is read whole and filtered here, because `InstanceQuery` can only ask for
  statuses by name: a status this toolkit does not know must still count as unfinished;
- entity instances (`@name@key`) are skipped unless asked for, as on storage;
- a version missing from the listing is read from the instance's ExecutionStarted event
  (its first history chunk, several instances at a time), else (a Pending instance has no
  history yet) from its own state (`GetInstance`), and each record says which
  (`version_source`); an instance with none of them is unreadable, never "unversioned".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from azure.core.credentials import TokenCredential
from durabletask.internal import orchestrator_service_pb2 as pb

from taskhub.errors import StoreUnavailableError
from taskhub.history import History
from taskhub.instance_rows import InstanceRecord, oldest_first
from taskhub.scheduler.client import SchedulerClient
from taskhub.scheduler.connection_string import (
    Authentication,
    SchedulerConnection,
    parse_scheduler_connection_string,
)
from taskhub.scheduler.credentials import credential_for
from taskhub.scheduler.grpc_errors import Retry
from taskhub.scheduler.history_events import to_worker_events
from taskhub.scheduler.numbering import as_core_numbering
from taskhub.scheduler.states import (
    HISTORY_GONE,
    NO_STARTED_EVENT,
    completed_at_or_after,
    needs_started_version,
    to_record,
    with_own_version,
    with_started_version,
)
from taskhub.status import is_finished

DEFAULT_PAGE_SIZE = 1000
"""States asked for per page: the durabletask-go SDK's cap (the server may send fewer)."""
DEFAULT_VERSION_READS = 8
"""Histories read at a time for versions the listing leaves out."""
MAX_PAGES = 100_000
"""A listing that never ends is an answer we cannot use, not a hub we wait on forever."""


class SchedulerInstanceSource:
    """One task hub on a scheduler, read-only; a context manager."""

    def __init__(
        self,
        client: SchedulerClient,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        version_reads: int = DEFAULT_VERSION_READS,
    ) -> None:
        self._client = client
        self._page_size = page_size
        self._version_reads = max(1, version_reads)
        self._hub_seen = False

    @property
    def hub(self) -> str:
        return self._client.hub

    @property
    def description(self) -> str:
        return f"task hub {self.hub!r} on {self._client.connection.description}"

    def unfinished(
        self, *, include_entities: bool = False, detail: bool = True
    ) -> list[InstanceRecord]:
        """Without `detail`, versions the listing leaves out are not read from histories."""
        listed = self._listed(pb.InstanceQuery(), include_entities)
        chosen = [r for r in listed if not is_finished(r.runtime_status) or not r.readable]
        return self._with_versions(chosen) if detail else sorted(chosen, key=oldest_first)

    def instances(self, *, include_entities: bool = False) -> list[InstanceRecord]:
        return self._with_versions(self._listed(pb.InstanceQuery(), include_entities))

    def completed_since(self, since: datetime) -> list[InstanceRecord]:
        """Completed orchestrations whose completion (else last update) is at or after
        `since`; a record without the listing's completion time takes its last update."""
        query = pb.InstanceQuery(runtimeStatus=[pb.ORCHESTRATION_STATUS_COMPLETED])
        chosen = [
            r if r.completed_time else replace(r, completed_time=r.last_updated_time)
            for r in self._listed(query, include_entities=False)
            if completed_at_or_after(r, since)
        ]
        return self._with_versions(chosen)

    def has_any_instance(self) -> bool:
        return next(self._states(pb.InstanceQuery(), page_size=1), None) is not None

    def history(self, instance_id: str, execution_id: str | None = None) -> History:
        """The execution's events as the Functions SDK replays them. An instance the
        scheduler does not know has an empty history (purged, as on storage) once the hub
        itself is known to exist; UnreadableHistory for an event with no equivalent."""
        events = self._client.history(instance_id, execution_id)
        if events is None:
            if not self._hub_seen:
                self.has_any_instance()  # HubNotFoundError when the hub is the missing part
            return History(instance_id, execution_id, [])
        converted = as_core_numbering(to_worker_events(events))
        started = next((e for e in converted if e["EventType"] == 0), None)
        recorded = (started or {}).get("OrchestrationInstance") or {}
        return History(instance_id, recorded.get("ExecutionId") or execution_id, converted)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SchedulerInstanceSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _listed(self, query: pb.InstanceQuery, include_entities: bool) -> list[InstanceRecord]:
        records: dict[str, InstanceRecord] = {}
        for state in self._states(query, self._page_size):
            record = to_record(state, self.hub)
            if include_entities or not record.is_entity:
                records[record.instance_id] = record  # an instance on two pages counts once
        return list(records.values())

    def _states(self, query: pb.InstanceQuery, page_size: int) -> Iterator[pb.OrchestrationState]:
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = pb.InstanceQuery()
            page.CopyFrom(query)
            page.maxInstanceCount = page_size
            page.fetchInputsAndOutputs = False
            if token is not None:
                page.continuationToken.value = token
            response = self._client.query(page)
            self._hub_seen = True
            yield from response.orchestrationState
            if not response.HasField("continuationToken") or not response.continuationToken.value:
                return
            token = response.continuationToken.value
            if token in seen:
                raise StoreUnavailableError(
                    f"scheduler {self._client.connection.endpoint} sent a continuation token it "
                    f"had sent before while listing task hub {self.hub!r}: the listing does not "
                    "advance, so the rest of it is unknown",
                    fix="run again; if it persists, the scheduler's paging is broken: report it",
                )
            seen.add(token)
        raise StoreUnavailableError(
            f"listing task hub {self.hub!r} did not end after {MAX_PAGES} pages",
            fix="run again; if it persists, the scheduler's paging is broken: report it",
        )

    def _with_versions(self, records: Iterable[InstanceRecord]) -> list[InstanceRecord]:
        """Records oldest first, with versions read from history where the listing had none."""
        chosen = list(records)
        missing = [r for r in chosen if needs_started_version(r)]
        if missing:
            with ThreadPoolExecutor(min(self._version_reads, len(missing))) as pool:
                read = pool.map(self._started_version, missing)
                found = dict(zip(map(id, missing), read, strict=True))
            chosen = [found.get(id(r), r) for r in chosen]
        return sorted(chosen, key=oldest_first)

    def _started_version(self, record: InstanceRecord) -> InstanceRecord:
        events = self._client.history(record.instance_id, record.execution_id, until_started=True)
        if events is None:
            return with_started_version(record, None, HISTORY_GONE)
        started = next((e.executionStarted for e in events if e.HasField("executionStarted")), None)
        if started is None:
            own = with_own_version(record, self._client.instance(record.instance_id))
            if own is not record:
                return own
        return with_started_version(record, started, NO_STARTED_EVENT)


def scheduler_source(
    connection: SchedulerConnection,
    hub: str | None = None,
    *,
    retry: Retry | None = None,
    credential: TokenCredential | None = None,
    root_certificates: bytes | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    version_reads: int = DEFAULT_VERSION_READS,
) -> SchedulerInstanceSource:
    """The instance source for a parsed connection. `hub` (--hub, host.json hubName) wins
    over the string's `TaskHub=`. `credential` replaces the one `Authentication=` names
    (tests); `root_certificates` (PEM) replaces the system's trust store (tests)."""
    if connection.authentication is Authentication.NONE:
        credential = None
    elif credential is None:
        credential = credential_for(connection)
    client = SchedulerClient(
        connection,
        connection.hub(hub),
        credential=credential,
        retry=retry or Retry(),
        root_certificates=root_certificates,
    )
    return SchedulerInstanceSource(client, page_size=page_size, version_reads=version_reads)


def open_scheduler_source(
    connection_string: str,
    hub: str | None = None,
    *,
    source: str = "connection string",
    **options: Any,
) -> SchedulerInstanceSource:
    """`scheduler_source` for a connection string (`options` as there)."""
    connection = parse_scheduler_connection_string(connection_string, source=source)
    return scheduler_source(connection, hub, **options)
