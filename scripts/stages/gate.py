"""The drain gate: poll a hub until nothing unfinished is left, for N reads in a row.

It never passes on anything but a successful read that showed nothing unfinished: a
read error ends the wait as "cannot decide", and a hub that drains but then shows new
work restarts the stable window (new orchestrations started between two reads are exactly
the gap a swap must not fall into).

The poll reads only what decides "drained" (`InstanceSource.unfinished(detail=False)`:
ids and statuses), since it runs every few seconds for as long as a drain takes; so the
progress lines count by status, not by version. When the wait ends with the hub not
drained, one detail read describes the instances that last read found (their names,
versions and times, for the report's counts by version and its oldest instances). With
--ignore-orchestration the poll reads every column: a row with any unreadable column is
never ignored (`taskhub.drain.snapshot`), so the names alone could not decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from scripts.stages.exits import Exit
from scripts.stages.polling import SYSTEM_CLOCK, Clock, Polled, PollOutcome, poll
from scripts.stages.text import clock, counts_text
from taskhub.connection import RetrySettings
from taskhub.drain import DrainSnapshot, snapshot
from taskhub.errors import DurableDeployError, HubNotFoundError
from taskhub.hubs import TaskHub
from taskhub.instance_rows import InstanceRecord, oldest_first
from taskhub.instance_source import InstanceSource
from taskhub.sources import HubAddress, open_source


@dataclass(frozen=True)
class GateSettings:
    timeout: float = 1800.0
    interval: float = 15.0
    stable_for: int = 2
    include_entities: bool = False
    ignore_orchestrations: tuple[str, ...] = ()
    allow_missing_hub: bool = False


@dataclass(frozen=True)
class GateProgress:
    """What the gate knows after one read, for progress lines."""

    snapshot: DrainSnapshot
    reads: int
    stable_reads: int
    elapsed: float
    next_read_in: float

    @property
    def line(self) -> str:
        """The progress line of one read, the same for `gate` and the release's gate: counts
        by status only, since the poll reads no versions (the module's docstring)."""
        snap = self.snapshot
        if snap.drained:
            state = f"drained ({self.stable_reads} read(s) in a row)"
        else:
            state = f"{len(snap.blocking)} unfinished · status: {counts_text(snap.by_status)}"
        ignored = f" · ignored {len(snap.ignored)}" if snap.ignored else ""
        return (
            f"[{clock(self.elapsed)}] read {self.reads}: {state}{ignored} · "
            f"next read in {self.next_read_in:.0f}s"
        )


@dataclass
class GateResult(Polled):
    snapshot: DrainSnapshot | None = None
    hub_missing: bool = False

    @property
    def drained(self) -> bool:
        return self.exit is Exit.OK


class DrainGate:
    def __init__(
        self,
        source: InstanceSource,
        hub: TaskHub,
        settings: GateSettings,
        on_progress: Callable[[GateProgress], None] = lambda _: None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.source = source
        self.hub = hub
        self.settings = settings
        self._on_progress = on_progress
        self._clock = clock

    @property
    def _lean(self) -> bool:
        """Whether the poll reads only what decides "drained" (see the module's docstring)."""
        return not self.settings.ignore_orchestrations

    def read(self) -> tuple[DrainSnapshot, bool]:
        """One read: the snapshot, and whether the hub's table was missing (and allowed)."""
        try:
            records = self.source.unfinished(
                include_entities=self.settings.include_entities, detail=not self._lean
            )
        except HubNotFoundError:
            if not self.settings.allow_missing_hub:
                raise
            return snapshot(()), True
        return snapshot(records, self.settings.ignore_orchestrations), False

    def _described(self, result: GateResult) -> None:
        """Gives the instances the last read found their detail, from one more read.

        The instances, and so the count, stay the last poll read's; each takes its row as
        the detail read saw it, and one that finished in between (absent from that read)
        is looked up among all instances. One gone from the table as well (purged) keeps
        what the poll read, flagged, since its version can no longer be known. A failure of
        this read ends the gate as "cannot decide", as one in the poll does, and leaves no
        snapshot (a poll read has no versions to report). A poll that ended on an error
        still describes its last good read, as the gate did when every read had the detail.
        """
        snap = result.snapshot
        if not self._lean or snap is None or snap.drained:
            return
        include_entities = self.settings.include_entities
        try:
            found = _by_id(self.source.unfinished(include_entities=include_entities))
            if any(r.instance_id not in found for r in snap.blocking):
                found = _by_id(self.source.instances(include_entities=include_entities)) | found
        except DurableDeployError as exc:  # a read that failed, as in the poll itself
            if result.error is None:
                result.exit, result.outcome, result.error = (
                    Exit.CANNOT_DECIDE,
                    PollOutcome.ERROR,
                    exc,
                )
            result.snapshot = None  # its versions are unknown: report none rather than ""
            return
        described = (found.get(r.instance_id) or _gone(r) for r in snap.blocking)
        result.snapshot = snapshot(sorted(described, key=oldest_first))

    def run(self) -> GateResult:
        result = GateResult()

        def good(read: tuple[DrainSnapshot, bool]) -> bool:
            result.snapshot, result.hub_missing = read
            return read[0].drained

        def waiting(wait: float) -> None:
            assert result.snapshot is not None
            self._on_progress(
                GateProgress(
                    result.snapshot, result.reads, result.stable_reads, result.elapsed, wait
                )
            )

        def passed() -> None:
            result.warnings.extend(self._suspicions(result))

        poll(result, self.read, good, self.settings, waiting, passed, self._clock)
        self._described(result)
        return result

    def _suspicions(self, result: GateResult) -> list[str]:
        """Warnings about a pass that may not mean what the user thinks."""
        hub = self.hub
        if result.hub_missing:
            return [f"{hub.listing} does not exist; passing because --allow-missing-hub was given"]
        warnings = []
        if result.snapshot and result.snapshot.ignored:
            warnings.append(
                f"{len(result.snapshot.ignored)} unfinished instance(s) of ignored "
                "orchestrations are still running and will see the new code"
            )
        if not self.source.has_any_instance():
            warnings.append(
                f"hub {hub.name!r} has no instance at all in {hub.listing}; if this "
                "app has run before, the hub name or storage account is probably wrong"
            )
        return warnings


def _by_id(records: Sequence[InstanceRecord]) -> dict[str, InstanceRecord]:
    return {r.instance_id: r for r in records}


def _gone(record: InstanceRecord) -> InstanceRecord:
    problem = "Version: the row was gone when its detail was read (purged since)"
    return replace(record, unreadable=(*record.unreadable, problem))


def run_gate(
    address: HubAddress,
    retry: RetrySettings,
    settings: GateSettings,
    *,
    on_progress: Callable[[GateProgress], None] = lambda _: None,
    clock: Clock = SYSTEM_CLOCK,
) -> GateResult:
    """The gate on the hub at `address`, read through its instance source."""
    with open_source(address, retry) as source:
        return DrainGate(source, address.hub, settings, on_progress, clock).run()
