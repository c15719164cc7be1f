"""`versions`: instances per hub, version and status, and what a worker version would do.

The report reads every instance (finished ones too: a version's total and newest start
matter to retiring it), and the rollout question is answered over the unfinished ones by
the runtime's own rules (taskhub/rollout.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from taskhub.connection import RetrySettings
from taskhub.hubs import TaskHub
from taskhub.instance_rows import InstanceRecord
from taskhub.rollout import Rollout, VersionSummary, plan_rollout, summarize
from taskhub.sources import HubAddress, open_source
from taskhub.status import is_finished
from taskhub.versions import FailureStrategy, MatchStrategy


@dataclass(frozen=True)
class VersionReport:
    hub: TaskHub
    records: Sequence[InstanceRecord]
    by_hub: dict[str | None, dict[str, VersionSummary]]
    unfinished: tuple[InstanceRecord, ...]
    rollout: Rollout | None

    @property
    def unreadable(self) -> int:
        return sum(1 for r in self.records if not r.readable)


def report_versions(
    address: HubAddress,
    retry: RetrySettings,
    *,
    all_hubs: bool = False,
    include_entities: bool = False,
    worker_version: str | None = None,
    strategies: tuple[MatchStrategy, FailureStrategy] = (
        MatchStrategy.CURRENT_OR_OLDER,
        FailureStrategy.REJECT,
    ),
) -> VersionReport:
    """Reads the hub (every hub of its tracking store with `all_hubs`) and, given a
    `worker_version`, answers what workers of it would do with these `strategies`."""
    with open_source(address, retry, all_hubs=all_hubs) as source:
        records = source.instances(include_entities=include_entities)
    unfinished = tuple(r for r in records if not is_finished(r.runtime_status))
    rollout = (
        plan_rollout(unfinished, worker_version, *strategies)
        if worker_version is not None
        else None
    )
    return VersionReport(address.hub, records, summarize(records), unfinished, rollout)
