"""The drain gate: poll a hub until nothing unfinished is left, for N reads in a row.

It never passes on anything but a successful read that showed nothing unfinished: a
read error ends the wait as "cannot decide", and a hub that drains but then shows new
work restarts the stable window (new orchestrations started between two reads are exactly
the gap a swap must not fall into).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypeVar

from scripts.stages.exits import Exit
from taskhub.drain import DrainSnapshot, snapshot
from taskhub.errors import DurableDeployError, HubNotFoundError
from taskhub.instances import InstanceStore


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


class PollOutcome(StrEnum):
    """How a wait ended; `outcome` in the gate's and the watch's JSON."""

    DRAINED = "drained"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass
class Polled:
    """How a wait for `stable_for` good reads in a row ended (the gate's, the watch's)."""

    exit: Exit = Exit.CANNOT_DECIDE
    outcome: PollOutcome = PollOutcome.ERROR
    reads: int = 0
    stable_reads: int = 0
    elapsed: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: DurableDeployError | None = None


Read = TypeVar("Read")


class Timing(Protocol):
    """How long to wait, how often to read, and how many good reads in a row pass."""

    @property
    def timeout(self) -> float: ...
    @property
    def interval(self) -> float: ...
    @property
    def stable_for(self) -> int: ...


def poll(
    result: Polled,
    fetch: Callable[[], Read],
    good: Callable[[Read], bool],
    settings: Timing,
    waiting: Callable[[float], None],
    passed: Callable[[], None] = lambda: None,
) -> None:
    """Fetches until `good` says so for `stable_for` reads in a row (then `passed`), or the
    timeout. `result` is kept current before `good` and `waiting` run, so they can report
    the count and the time; a DurableDeployError anywhere ends the wait as "cannot decide"."""
    started = time.monotonic()
    try:
        while True:
            read = fetch()
            result.reads += 1
            result.elapsed = time.monotonic() - started
            result.stable_reads = result.stable_reads + 1 if good(read) else 0
            if result.stable_reads >= settings.stable_for:
                result.exit, result.outcome = Exit.OK, PollOutcome.DRAINED
                passed()
                return
            remaining = settings.timeout - result.elapsed
            if remaining <= 0:
                result.exit, result.outcome = Exit.NOT_YET, PollOutcome.TIMEOUT
                return
            wait = min(settings.interval, remaining)
            waiting(wait)
            time.sleep(wait)
    except DurableDeployError as exc:
        result.exit, result.outcome, result.error = Exit.CANNOT_DECIDE, PollOutcome.ERROR, exc
        result.elapsed = time.monotonic() - started


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
        store: InstanceStore,
        settings: GateSettings,
        on_progress: Callable[[GateProgress], None] = lambda _: None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._on_progress = on_progress

    def read(self) -> tuple[DrainSnapshot, bool]:
        """One read: the snapshot, and whether the hub's table was missing (and allowed)."""
        try:
            records = self.store.unfinished(include_entities=self.settings.include_entities)
        except HubNotFoundError:
            if not self.settings.allow_missing_hub:
                raise
            return snapshot(()), True
        return snapshot(records, self.settings.ignore_orchestrations), False

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

        poll(result, self.read, good, self.settings, waiting, passed)
        return result

    def _suspicions(self, result: GateResult) -> list[str]:
        """Warnings about a pass that may not mean what the user thinks."""
        hub = self.store.hub
        if result.hub_missing:
            return [
                f"table {hub.instances_table!r} does not exist; passing because "
                "--allow-missing-hub was given"
            ]
        warnings = []
        if result.snapshot and result.snapshot.ignored:
            warnings.append(
                f"{len(result.snapshot.ignored)} unfinished instance(s) of ignored "
                "orchestrations are still running and will see the new code"
            )
        if not self.store.has_any_instance():
            warnings.append(
                f"hub {hub.name!r} has no instance at all in {hub.instances_table!r}; if this "
                "app has run before, the hub name or storage account is probably wrong"
            )
        return warnings
