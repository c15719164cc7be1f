"""Which versions are running, and what a new worker version would do to them.

Counts come from the Instances table, never from the SDK's status API (one page of 100,
and no version). The rollout answer follows the runtime's own rule (`worker_accepts`):
an instance a worker may not run is rejected (left for another worker, which after a
full rollout never comes) or failed, by the failure strategy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from taskhub.instances import InstanceRecord
from taskhub.status import is_finished
from taskhub.versions import FailureStrategy, MatchStrategy, worker_accepts


@dataclass
class VersionSummary:
    version: str
    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    unfinished: int = 0
    oldest_unfinished: InstanceRecord | None = None
    newest_created: datetime | None = None


def summarize(records: Iterable[InstanceRecord]) -> dict[str | None, dict[str, VersionSummary]]:
    """hub -> version -> summary; records must come oldest first.

    A record whose version cannot be read is in no version's summary: counting it under one
    (the unversioned "", say) would report a version it may not have. The caller reports
    those records as unreadable."""
    hubs: dict[str | None, dict[str, VersionSummary]] = {}
    for record in records:
        if record.unreadable_column("Version"):
            continue
        versions = hubs.setdefault(record.task_hub, {})
        summary = versions.setdefault(record.version, VersionSummary(record.version))
        summary.total += 1
        summary.by_status[record.runtime_status] += 1
        if not is_finished(record.runtime_status):
            summary.unfinished += 1
            summary.oldest_unfinished = summary.oldest_unfinished or record
        if record.created_time and (
            summary.newest_created is None or record.created_time > summary.newest_created
        ):
            summary.newest_created = record.created_time
    return hubs


@dataclass(frozen=True)
class Rollout:
    worker_version: str | None
    match_strategy: MatchStrategy
    failure_strategy: FailureStrategy
    process: tuple[InstanceRecord, ...]
    reject: tuple[InstanceRecord, ...]
    fail: tuple[InstanceRecord, ...]
    unreadable: tuple[InstanceRecord, ...] = ()
    """Unfinished rows whose version or status cannot be read: no worker can be judged."""

    @property
    def safe(self) -> bool:
        return not self.reject and not self.fail and not self.unreadable


def plan_rollout(
    unfinished: Iterable[InstanceRecord],
    worker_version: str | None,
    match_strategy: MatchStrategy,
    failure_strategy: FailureStrategy = FailureStrategy.REJECT,
) -> Rollout:
    process: list[InstanceRecord] = []
    refused: list[InstanceRecord] = []
    unreadable: list[InstanceRecord] = []
    for record in unfinished:
        if record.unreadable_column("Version") or record.unreadable_column("RuntimeStatus"):
            unreadable.append(record)
            continue
        accepted = worker_accepts(record.version or None, worker_version, match_strategy)
        (process if accepted else refused).append(record)
    rejecting = failure_strategy is FailureStrategy.REJECT
    return Rollout(
        worker_version=worker_version,
        match_strategy=match_strategy,
        failure_strategy=failure_strategy,
        process=tuple(process),
        reject=tuple(refused) if rejecting else (),
        fail=() if rejecting else tuple(refused),
        unreadable=tuple(unreadable),
    )
