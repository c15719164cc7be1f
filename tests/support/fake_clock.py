"""Driven time for the waits of scripts/stages/polling.py: a test says what happens when,
and nothing really sleeps.

`DrivenClock` moves only when the code under test sleeps; `after(seconds, action)` makes
something happen in the world the wait reads (the host finishing an instance, Azurite
stopping) once the waiting has reached that time, so a test of "held, then passed" needs no
thread and no real interval. The `fake_clock` fixture (tests/conftest.py) puts one under
every command run in the test's process; a command run as a process of its own keeps the
system's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scripts.stages.polling import Clock


@dataclass
class DrivenClock:
    """Time that moves only when the code under test sleeps."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)
    _due: list[tuple[float, Callable[[], None]]] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        while self._due and self._due[0][0] <= self.now:
            _when, action = self._due.pop(0)
            action()

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        """Runs `action` within the first sleep that reaches `seconds` from now; actions due
        at the same time run in the order they were given."""
        self._due.append((self.now + seconds, action))
        self._due.sort(key=lambda due: due[0])

    @property
    def clock(self) -> Clock:
        return Clock(self.monotonic, self.sleep)
