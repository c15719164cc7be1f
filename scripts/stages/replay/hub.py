"""Replaying a hub's histories: the in-flight instances, and prefixes of completed ones.

Histories are read `concurrency` at a time (each is one table query, plus blobs for large
values) and judged as they arrive: in as many worker processes on a backend and platform
that fork (`workers`), so the decoding and the replays use every core; else read in
threads and judged in this thread, so the SDK and the user's code never run concurrently
in one process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from scripts.stages.exits import Exit
from scripts.stages.replay.judge import (
    FAILING,
    Outcome,
    Replay,
    prefix_replays,
    replay,
    unreadable,
)
from scripts.stages.replay.numbering import Orchestration, Step
from scripts.stages.replay.workers import Read, workers
from scripts.stages.replay.workers import judged as run_all
from taskhub.connection import RetrySettings
from taskhub.errors import ConfigurationError
from taskhub.history import History, UnreadableHistory
from taskhub.instance_rows import InstanceRecord
from taskhub.sources import HubAddress, open_source
from taskhub.status import RuntimeStatus

DEFAULT_CONCURRENCY = 8
NOT_STARTED = (RuntimeStatus.PENDING, RuntimeStatus.CONTINUED_AS_NEW)
"""Statuses whose execution may have recorded nothing yet: a new instance, or the next
generation of one that continued as new (its rows arrive with its first checkpoint)."""
DEFAULT_PER_VERSION = 20
Say = Callable[[str], None]
_SELECTING_COLUMNS = ("Name", "Version", "ExecutionId")
"""Columns that choose the instance and its execution: one that could not be read leaves
nothing to judge by, so the instance is held as unreadable rather than guessed at."""


def _damaged(record: InstanceRecord) -> bool:
    return any(record.unreadable_column(column) for column in _SELECTING_COLUMNS)


@dataclass(frozen=True)
class Selection:
    """Which instances to replay."""

    name: str | None = None
    version: str | None = None
    limit: int | None = None

    def keep(self, record: InstanceRecord) -> bool:
        """A row without a Name is kept: its history says which orchestrator it runs. A row
        whose selecting columns could not be read is kept too, and judged unreadable."""
        if _damaged(record):
            return True
        if self.name and record.name and str(record.name).lower() != self.name.lower():
            return False
        return self.version is None or (record.version or "") == self.version

    def runs(self, history: History) -> str | None:
        """The orchestrator a history names, if this selection takes it; "" if it names none."""
        named = str((history.started() or {}).get("Name") or "")
        if self.name and named and named.lower() != self.name.lower():
            return None
        return named


def one_orchestrator(selection: Selection, records: Iterable[InstanceRecord]) -> None:
    """Without a name, every selected instance is replayed through the one function given:
    right for an app with one orchestrator, a false "nondeterministic" for the instances of
    the others (a sub-orchestration's children, a second workflow). Several orchestrators'
    instances and no name is therefore "cannot decide", not a verdict."""
    if selection.name:
        return
    names: dict[str, str] = {}
    for record in records:
        if record.name and record.readable:
            names.setdefault(record.name.lower(), record.name)
    if len(names) > 1:
        shown = ", ".join(sorted(names.values(), key=str.lower)[:10])
        raise ConfigurationError(
            f"instances of {len(names)} orchestrators are selected ({shown}) and no "
            "orchestrator is named, so each would be judged by the one function given",
            fix="name the orchestrator that function is: replay-check --name NAME (release: "
            "--replay-orchestrator NAME)",
        )


def judge_in_flight(
    orchestration: Orchestration, record: InstanceRecord, read: Read, selection: Selection
) -> Replay | None:
    """One unfinished instance's outcome; None when its history names another orchestrator."""
    if _damaged(record):
        return unreadable(record.instance_id, "; ".join(record.unreadable))
    if isinstance(read, UnreadableHistory):
        return unreadable(record.instance_id, str(read))
    if not read.events:
        if record.runtime_status in NOT_STARTED:
            return Replay(
                record.instance_id,
                Outcome.NOT_STARTED,
                reason=f"execution {record.execution_id or '?'} has recorded no history yet",
            )
        return unreadable(
            record.instance_id,
            f"{record.runtime_status or 'no status'} but execution "
            f"{record.execution_id or '?'} has no history rows (purged, or another hub's)",
        )
    named = selection.runs(read)
    if named is None:
        return None
    if not (record.name or named):
        return unreadable(
            record.instance_id, "neither the Instances row nor the history names an orchestrator"
        )
    try:
        return replay(orchestration, read)
    except UnreadableHistory as exc:
        return unreadable(record.instance_id, str(exc))


def replay_unfinished(
    orchestration: Orchestration,
    address: HubAddress,
    retry: RetrySettings,
    selection: Selection,
    say: Say,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[tuple[InstanceRecord, Replay]]:
    """Replays the selected unfinished instances of a hub; it only reads. Oldest first."""

    def judge(orchestration: Orchestration, record: InstanceRecord, read: Read) -> Replay | None:
        return judge_in_flight(orchestration, record, read, selection)

    judged: dict[str, tuple[InstanceRecord, Replay]] = {}
    with (
        workers(orchestration, address, retry, judge, concurrency) as pool,
        open_source(address, retry) as source,
    ):
        records = source.unfinished()
        chosen = [r for r in records if selection.keep(r)][: selection.limit]
        one_orchestrator(selection, chosen)
        say(
            f"replay: {len(chosen)} of {len(records)} unfinished instance(s) of hub "
            f"{address.hub.name!r} at {address.connection.description}"
        )
        for record, result in run_all(pool, source, chosen, orchestration, judge, concurrency):
            if result is None:
                say(f"  {record.instance_id}: runs another orchestrator, not replayed")
                continue
            judged[record.instance_id] = (record, result)
            say(f"  {record.instance_id} v{record.version or '-'}: {result.outcome}")
    return [judged[r.instance_id] for r in chosen if r.instance_id in judged]


@dataclass
class PrefixDivergence:
    """A divergence of the new code from completed histories, with one example instance."""

    orchestrator: str
    version: str
    step: int | None
    recorded: Step | None
    emitted: Step | str | None
    """What the code did there; the error's first line when it raised instead."""
    example: str
    instances: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return (
            f"{self.orchestrator} v{self.version or '-'}: a completed history diverges at step "
            f"{self.step}: history has {self.recorded}, the code did {self.emitted or 'nothing'} "
            f"(e.g. {self.example}, {len(self.instances)} instance(s))"
        )

    def json(self) -> dict[str, Any]:
        return {
            "orchestrator": self.orchestrator,
            "version": self.version,
            "step": self.step,
            "recorded": self.recorded.json() if self.recorded else None,
            "emitted": self.emitted.json() if isinstance(self.emitted, Step) else self.emitted,
            "example_instance": self.example,
            "instances": len(self.instances),
        }


@dataclass
class PrefixReport:
    """What `--completed-since` found: histories and prefixes replayed, findings, unreadable."""

    histories: int = 0
    prefixes: int = 0
    findings: dict[tuple[Any, ...], PrefixDivergence] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    def add(self, record: InstanceRecord, named: str, result: Replay) -> None:
        """`named`: the orchestrator the history names, "" if none (then the row's)."""
        emitted: Step | str | None = result.code
        if result.outcome == Outcome.ERROR:
            emitted = result.error[0] if result.error else "raised"
        recorded = result.history
        orchestrator = named or str(record.name or "")
        key = (orchestrator.lower(), record.version, result.position, str(recorded), str(emitted))
        finding = self.findings.setdefault(
            key,
            PrefixDivergence(
                orchestrator,
                record.version,
                result.position,
                recorded,
                emitted,
                record.instance_id,
            ),
        )
        finding.instances.add(record.instance_id)

    def json(self) -> dict[str, Any]:
        return {
            "histories": self.histories,
            "prefixes": self.prefixes,
            "findings": [f.json() for f in self.findings.values()],
            "unreadable": [{"instance_id": i, "reason": r} for i, r in self.unreadable.items()],
        }


def newest_per_version(records: list[InstanceRecord], per_version: int) -> list[InstanceRecord]:
    """The newest `per_version` completed instances of each (orchestrator, version)."""
    groups: dict[tuple[str, str], list[InstanceRecord]] = {}
    for record in records:
        groups.setdefault((str(record.name or "").lower(), record.version), []).append(record)
    chosen = []
    for group in groups.values():
        group.sort(key=_completed_at, reverse=True)
        chosen += group[:per_version]
    return chosen


def _completed_at(record: InstanceRecord) -> float:
    moment = record.completed_time
    return moment.timestamp() if isinstance(moment, datetime) else 0.0


@dataclass(frozen=True)
class Completed:
    """What prefix mode made of one completed history (computed where it was read)."""

    replayed: bool = False
    """Whether it counts as a replayed history (it was read, and is this orchestrator's)."""
    prefixes: int = 0
    orchestrator: str = ""
    """The orchestrator the history names (ExecutionStarted), "" if none."""
    failing: Replay | None = None
    unreadable: str | None = None


def judge_completed(
    orchestration: Orchestration, record: InstanceRecord, read: Read, selection: Selection
) -> Completed:
    if isinstance(read, UnreadableHistory):
        return Completed(unreadable=str(read))
    if not read.events or selection.runs(read) is None:
        return Completed()  # purged since it completed, or another orchestrator's instance
    named = str((read.started() or {}).get("Name") or "")
    counted = Completed(True, len(read.prefixes()), named)
    try:
        return replace(counted, failing=first_failing_prefix(orchestration, read))
    except UnreadableHistory as exc:
        return replace(counted, unreadable=str(exc))


def first_failing_prefix(orchestration: Orchestration, history: History) -> Replay | None:
    """The first prefix ending at an OrchestratorCompleted that the new code breaks, run as
    if the instance had been in flight there; later prefixes hold that same recorded step.
    UnreadableHistory when the history cannot be replayed at all."""
    for result in prefix_replays(orchestration, history):
        if result.outcome in FAILING:
            return result
    return None


def replay_completed(
    orchestration: Orchestration,
    address: HubAddress,
    retry: RetrySettings,
    since: datetime,
    per_version: int,
    selection: Selection,
    say: Say,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> PrefixReport:
    """Replays every episode prefix of recently completed instances through the new code."""

    def judge(orchestration: Orchestration, record: InstanceRecord, read: Read) -> Completed:
        return judge_completed(orchestration, record, read, selection)

    report = PrefixReport()
    with (
        workers(orchestration, address, retry, judge, concurrency) as pool,
        open_source(address, retry) as source,
    ):
        records = source.completed_since(since)
        chosen = newest_per_version([r for r in records if selection.keep(r)], per_version)
        one_orchestrator(selection, chosen)
        say(
            f"prefixes: {len(chosen)} of {len(records)} instance(s) completed since "
            f"{since.isoformat(timespec='seconds')}"
        )
        for record, done in run_all(pool, source, chosen, orchestration, judge, concurrency):
            report.histories += done.replayed
            report.prefixes += done.prefixes
            if done.unreadable is not None:
                report.unreadable[record.instance_id] = done.unreadable
            elif done.failing is not None:
                report.add(record, done.orchestrator, done.failing)
    return report


def replay_exit(results: Iterable[Replay], report: PrefixReport | None = None) -> Exit:
    """0 only when every selected instance replays (or has not started); 2 when any history
    could not be read (unknown is never "ok"); else 1 for any nondeterministic or error."""
    outcomes = [r.outcome for r in results]
    if Outcome.UNREADABLE in outcomes or (report is not None and report.unreadable):
        return Exit.CANNOT_DECIDE
    if any(o in FAILING for o in outcomes) or (report is not None and report.findings):
        return Exit.NOT_YET
    return Exit.OK
