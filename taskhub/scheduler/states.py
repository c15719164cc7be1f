"""A scheduler's `OrchestrationState` as the `InstanceRecord` every stage reads.

The proto's `OrchestrationStatus` numbers are DurableTask.Core's (`orchestrator_service.proto`:
RUNNING 0 ... SUSPENDED 7, as in Core's OrchestrationStatus), so each becomes the same string
the storage backend writes; a number this code does not know becomes `OrchestrationStatus <n>`,
which no terminal status equals, so it counts as unfinished (`taskhub.status`). Entity
instance ids start with `@` as on storage.

The version is the listing's when the server fills `version` (a StringValue, so "unset" and
"empty" differ); otherwise the record waits for the ExecutionStarted event the source reads
(`with_started_version`). A Pending instance has recorded none yet (the in-memory backend
holds its ExecutionStarted among the pending events until a worker takes it), so its own
state is asked (`with_own_version`); an instance neither names cannot be judged by
version: it is unreadable, never counted as unversioned.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from durabletask.internal import orchestrator_service_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

from taskhub.hubs import is_entity_key
from taskhub.instance_rows import InstanceRecord, VersionSource
from taskhub.status import RuntimeStatus

STATUS_NAMES: dict[int, str] = {
    pb.ORCHESTRATION_STATUS_RUNNING: RuntimeStatus.RUNNING,
    pb.ORCHESTRATION_STATUS_COMPLETED: RuntimeStatus.COMPLETED,
    pb.ORCHESTRATION_STATUS_CONTINUED_AS_NEW: RuntimeStatus.CONTINUED_AS_NEW,
    pb.ORCHESTRATION_STATUS_FAILED: RuntimeStatus.FAILED,
    pb.ORCHESTRATION_STATUS_CANCELED: RuntimeStatus.CANCELED,
    pb.ORCHESTRATION_STATUS_TERMINATED: RuntimeStatus.TERMINATED,
    pb.ORCHESTRATION_STATUS_PENDING: RuntimeStatus.PENDING,
    pb.ORCHESTRATION_STATUS_SUSPENDED: RuntimeStatus.SUSPENDED,
}
NO_STARTED_EVENT = (
    "Version: the scheduler's listing and the instance's own state leave it out, and the "
    "instance has recorded no ExecutionStarted event yet (a Pending instance no worker has "
    "started), so which code it will run is unknown"
)


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, f"OrchestrationStatus {status}")


def time_of(message: pb.OrchestrationState, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment


def listed_version(state: pb.OrchestrationState) -> str | None:
    """The version the listing carries, or None when the server left it out."""
    return state.version.value if state.HasField("version") else None


def to_record(state: pb.OrchestrationState, hub: str) -> InstanceRecord:
    """The record for one listed state; its version is the listing's, or still to be read."""
    problems: list[str] = []
    if not state.instanceId:
        problems.append("instanceId: the listing gives an empty instance id")
    version = listed_version(state)
    return InstanceRecord(
        instance_id=state.instanceId,
        name=state.name or None,
        version=version or "",
        runtime_status=status_name(state.orchestrationStatus),
        created_time=time_of(state, "createdTimestamp"),
        last_updated_time=time_of(state, "lastUpdatedTimestamp"),
        task_hub=hub,
        is_entity=is_entity_key(state.instanceId),
        execution_id=state.executionId.value if state.HasField("executionId") else None,
        completed_time=time_of(state, "completedTimestamp"),
        unreadable=tuple(problems),
        version_source=VersionSource.LISTING if version is not None else VersionSource.HISTORY,
    )


def needs_started_version(record: InstanceRecord) -> bool:
    return record.version_source is VersionSource.HISTORY and not record.is_entity


HISTORY_GONE = (
    "Version: the scheduler's listing leaves it out and the instance's history is gone "
    "(purged since it was listed?)"
)


def with_started_version(
    record: InstanceRecord, started: pb.ExecutionStartedEvent | None, missing: str
) -> InstanceRecord:
    """`record` with the version its ExecutionStarted event recorded; without one, unreadable
    for the reason `missing` (NO_STARTED_EVENT or HISTORY_GONE)."""
    if started is None:
        return replace(record, unreadable=(*record.unreadable, missing))
    version = started.version.value if started.HasField("version") else ""
    return replace(record, version=version)


def with_own_version(record: InstanceRecord, state: pb.OrchestrationState | None) -> InstanceRecord:
    """`record` with the version the instance's own state carries, when it carries one (an
    unset field is "left out", not "unversioned"); else `record` unchanged."""
    version = listed_version(state) if state is not None else None
    if version is None:
        return record
    return replace(record, version=version, version_source=VersionSource.INSTANCE)


def completed_at_or_after(record: InstanceRecord, since: datetime) -> bool:
    """Whether a Completed instance completed at or after `since`. Without the listing's
    completedTimestamp, its last update stands in: nothing updates a completed instance, so
    that is its completion time or later, and the answer errs towards replaying more."""
    moment = record.completed_time or record.last_updated_time
    return moment is None or moment >= since
