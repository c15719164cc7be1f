"""Judging a ramp: does the ramping version fail more than the limit, and than the current?

Both versions' instances live in one shared tracking store (the routing strategy), told
apart by TaskHubName. Only orchestrations created in the window count, and of those only
the finished ones (a terminal RuntimeStatus): the failure rate is Failed / finished.

The verdict fails closed, like the gate: a row of the window the total reader could not
read (taskhub/instance_rows.py), or one that names no hub and so belongs to neither
version, makes it "cannot decide"; such a row is never counted as finished.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from taskhub.errors import ConfigurationError, DurableDeployError
from taskhub.instance_rows import InstanceRecord
from taskhub.status import RuntimeStatus, is_finished

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600}


class CannotJudge(DurableDeployError):
    """Rows of the window could not be read or attributed: no verdict either way."""


def parse_duration(value: str, option: str) -> timedelta:
    """ "15m", "90s", "1.5h" -> timedelta; a ConfigurationError names the option otherwise."""
    match = _DURATION.match(value)
    if not match or float(match[1]) <= 0:
        raise ConfigurationError(
            f"{option} {value!r} is not a duration", fix="use e.g. 90s, 15m or 1h"
        )
    return timedelta(seconds=float(match[1]) * _UNITS[match[2]])


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
