"""Judging a ramp: does the ramping version fail more than the limit, and than the current?

Both versions' instances live in one shared tracking store (the routing strategy), told
apart by TaskHubName. Only orchestrations created in the window count, and of those only
the finished ones (a terminal RuntimeStatus): the failure rate is Failed / finished.

The verdict fails closed, like the gate: a row of the window the total reader could not
read (taskhub/instance_rows.py), or one that names no hub and so belongs to neither
version, makes it "cannot decide"; such a row is never counted as finished.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from scripts.stages.polling import SYSTEM_CLOCK, Clock, attempts
from scripts.stages.routes import TrackingStore, route_for
from taskhub.errors import ConfigurationError, DurableDeployError
from taskhub.instance_rows import InstanceRecord
from taskhub.routes import Route, RouteTable
from taskhub.sources import open_source
from taskhub.status import RuntimeStatus, is_finished


class CannotJudge(DurableDeployError):
    """Rows of the window could not be read or attributed: no verdict either way."""


@dataclass(frozen=True)
class Tally:
    minor: str
    finished: int = 0
    failed: int = 0

    @property
    def rate(self) -> float | None:
        return self.failed / self.finished if self.finished else None

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.minor,
            "finished": self.finished,
            "failed": self.failed,
            "failure_rate": self.rate,
        }


def tally(
    records: Iterable[InstanceRecord], hubs: dict[str, str], since: datetime
) -> dict[str, Tally]:
    """Finished and failed orchestrations per major.minor (`hubs`: hub name -> minor)."""
    counts = {minor: [0, 0] for minor in hubs.values()}
    by_hub = {hub.lower(): minor for hub, minor in hubs.items()}
    doubtful = []
    for record in records:
        if record.is_entity or (record.created_time is not None and record.created_time < since):
            continue
        if not record.readable or record.created_time is None or record.task_hub is None:
            problem = "; ".join(record.unreadable) or "no CreatedTime or no TaskHubName"
            doubtful.append(f"{record.instance_id}: {problem}")
            continue
        minor = by_hub.get(record.task_hub.strip().lower())
        if minor is None or not is_finished(record.runtime_status):
            continue
        counts[minor][0] += 1
        counts[minor][1] += record.runtime_status == RuntimeStatus.FAILED
    if doubtful:
        shown = ", ".join(doubtful[:5]) + (
            f" and {len(doubtful) - 5} more" if len(doubtful) > 5 else ""
        )
        raise CannotJudge(
            f"{len(doubtful)} instance row(s) of the window cannot be read or attributed to a "
            f"version: {shown}",
            fix="repair or purge those rows; a row nobody can read is never counted as finished",
        )
    return {minor: Tally(minor, *pair) for minor, pair in counts.items()}


@dataclass(frozen=True)
class Limits:
    max_failure_rate: float
    margin: float
    min_finished: int


def breach(ramping: Tally, current: Tally, limits: Limits) -> str | None:
    """Why the ramp must stop, or None. A current version with no finished instance counts
    as failing none, so the limit alone decides then."""
    rate = ramping.rate
    if rate is None or rate <= limits.max_failure_rate:
        return None
    baseline = current.rate or 0.0
    if rate <= baseline + limits.margin:
        return None
    return (
        f"{ramping.minor} failed {ramping.failed} of {ramping.finished} finished "
        f"({rate:.1%}), over the limit {limits.max_failure_rate:.1%} and over "
        f"{current.minor}'s {baseline:.1%} by more than {limits.margin:.1%}"
    )


@dataclass(frozen=True)
class RampVerdict:
    reason: str
    """Why the ramp was halted (set to 0); "" when the window passed cleanly."""
    window: timedelta
    ramping: Tally
    current: Tally

    @property
    def halted(self) -> bool:
        return bool(self.reason)

    def to_json(self) -> dict[str, object]:
        return {
            "halted": self.halted,
            "reason": self.reason,
            "window_seconds": self.window.total_seconds(),
            "ramping": self.ramping.to_json(),
            "current": self.current.to_json(),
        }


def watch_ramp(
    tracking: TrackingStore,
    minor: str,
    limits: Limits,
    *,
    window: timedelta,
    duration: timedelta,
    interval: float,
    clock: Clock = SYSTEM_CLOCK,
) -> RampVerdict:
    """Re-reads the tracking store every `interval` seconds for `duration`; on a breach the
    ramp is set to 0 at once. A clean window needs `limits.min_finished` finished
    orchestrations of the ramping version, else there is no evidence either way."""
    table = tracking.read()
    return _watch(tracking, table, minor, limits, window, duration, interval, clock)


def _watch(
    tracking: TrackingStore,
    table: RouteTable,
    minor: str,
    limits: Limits,
    window: timedelta,
    duration: timedelta,
    interval: float,
    clock: Clock,
) -> RampVerdict:
    target, current = _ramp_and_current(table, minor)
    hubs = {target.hub: target.minor, current.hub: current.minor}
    tries = attempts(timeout=duration.total_seconds(), interval=interval, clock=clock)
    with open_source(tracking.address(target.hub), tracking.retry, all_hubs=True) as reader:
        for _ in tries:
            tallies = tally(reader.instances(), hubs, datetime.now(UTC) - window)
            ramping, baseline = tallies[target.minor], tallies[current.minor]
            reason = breach(ramping, baseline, limits)
            if reason:
                break
    if reason:
        tracking.write(replace(tracking.read().routes.get(minor, target), ramp=0))
    elif ramping.finished < limits.min_finished:
        raise CannotJudge(
            f"only {ramping.finished} orchestration(s) of {minor} finished in the window, "
            f"fewer than --min-finished {limits.min_finished}: no evidence either way",
            fix="watch longer (--window), ramp more traffic, or lower --min-finished",
        )
    return RampVerdict(reason or "", window, ramping, baseline)


def _ramp_and_current(table: RouteTable, minor: str) -> tuple[Route, Route]:
    """The one ramping route named `minor` and the one current route, or why not."""
    target, current = route_for(table, minor), table.current
    if target not in table.ramping:
        raise ConfigurationError(
            f"{minor} is not ramping (ramp {target.ramp}%, {target.state}"
            f"{', current' if target.current else ''})",
            fix=f"routes ramp {minor} --percent <1-99> first",
        )
    if len(table.ramping) > 1 or current is None:
        raise ConfigurationError(
            "the route table has several ramping or not exactly one current version",
            fix="routes list, then routes set-current / routes ramp --percent 0 to repair it",
        )
    if current.hub.lower() == target.hub.lower():
        raise ConfigurationError(
            f"{minor} and the current {current.minor} share hub {target.hub!r}: their "
            "instances cannot be told apart",
            fix="give each version app its own hub name and `routes sync`",
        )
    return target, current
