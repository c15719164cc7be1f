"""The one wait loop: try, and between tries sleep, until the caller is satisfied or time is up.

The gate and the rollout watch wait for a number of good reads in a row (`poll`); the
release waits for a health path and for its stamp, ramp-watch re-reads for a window, and a
slot swap waits on ARM's long-running operation (`attempts`). Every one of them takes a
`Clock`, so a test drives the time instead of sleeping through it. Nothing else in the
shipped code sleeps (a test keeps it so).

An attempt always runs before the timeout is looked at, so a timeout of 0 means "try once",
and no sleep runs past the timeout: the last attempt happens when it falls due.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypeVar

from scripts.stages.exits import Exit
from taskhub.errors import DurableDeployError


@dataclass(frozen=True)
class Clock:
    """Where a wait reads the time and how it sleeps; the system's unless a test says so."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], object] = time.sleep


process_clock = Clock()
"""The time and sleep of this process. `SYSTEM_CLOCK` looks it up on every call, so a test
replaces this one attribute to run a whole command's waits on driven time
(tests/support/fake_clock.py) without a clock in any command's options."""

SYSTEM_CLOCK = Clock(
    monotonic=lambda: process_clock.monotonic(),
    sleep=lambda seconds: process_clock.sleep(seconds),
)


@dataclass
class Attempt:
    """One try of a wait: its number (from 1) and the time since the wait began."""

    number: int
    started: float
    clock: Clock

    @property
    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started


def attempts(
    *,
    timeout: float = math.inf,
    interval: float,
    clock: Clock = SYSTEM_CLOCK,
    before_sleep: Callable[[Attempt, float], None] = lambda _attempt, _pause: None,
) -> Iterator[Attempt]:
    """Yields each attempt; the caller's loop body tries, and `break`s when satisfied. A loop
    that ends without a break ran out of time. `before_sleep(attempt, pause)` runs before
    each sleep (a progress line), never after the last attempt."""
    attempt = Attempt(0, clock.monotonic(), clock)
    while True:
        attempt.number += 1
        yield attempt
        pause = min(interval, timeout - attempt.elapsed)
        if pause <= 0:
            return
        before_sleep(attempt, pause)
        clock.sleep(pause)


class PollOutcome(StrEnum):
    """How a wait for good reads ended; `outcome` in the gate's and the watch's JSON."""

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
    waiting: Callable[[float], None] = lambda _pause: None,
    passed: Callable[[], None] = lambda: None,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    """Fetches until `good` says so for `stable_for` reads in a row (then `passed`), or the
    timeout. `result` is kept current before `good` and `waiting` run, so they can report
    the count and the time; a DurableDeployError anywhere ends the wait as "cannot decide"."""
    started = clock.monotonic()
    try:
        for attempt in attempts(
            timeout=settings.timeout,
            interval=settings.interval,
            clock=clock,
            before_sleep=lambda _attempt, pause: waiting(pause),
        ):
            read = fetch()
            result.reads, result.elapsed = attempt.number, attempt.elapsed
            result.stable_reads = result.stable_reads + 1 if good(read) else 0
            if result.stable_reads >= settings.stable_for:
                result.exit, result.outcome = Exit.OK, PollOutcome.DRAINED
                passed()
                return
        result.exit, result.outcome = Exit.NOT_YET, PollOutcome.TIMEOUT
    except DurableDeployError as exc:
        result.exit, result.outcome, result.error = Exit.CANNOT_DECIDE, PollOutcome.ERROR, exc
        result.elapsed = clock.monotonic() - started
