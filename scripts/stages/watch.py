"""`versions --watch --until-drained VERSION`: follow an in-place rollout until the old drain.

A deploy in place (Flex Consumption rolling updates, or any plan without slots) gives no
signal that old workers are gone, and with a version match strategy the new workers leave
newer-than-theirs work alone while old workers finish theirs. What can be read is the hub:
this loop re-reads its unfinished instances every --interval, prints per-version counts and
what changed since the previous read (started, finished, status changes), and passes once
no unfinished instance of VERSION or older (DurableTask's CompareVersions, unversioned
counting as oldest) is left for --stable-for reads in a row. Old workers still running can
start new old-version instances during the update; the stable window is there to see them.

Fail closed as the drain gate does: a read error is "cannot decide", a missing Instances
table too unless --allow-missing-hub, and any status but the four terminal ones (unknown
ones included, the server filter keeps them) counts as unfinished.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from scripts.stages.polling import SYSTEM_CLOCK, Clock, Polled, poll
from scripts.stages.text import clock
from taskhub.connection import RetrySettings
from taskhub.drain import version_or_older
from taskhub.errors import HubNotFoundError
from taskhub.hubs import TaskHub
from taskhub.instance_rows import InstanceRecord
from taskhub.instance_source import InstanceSource
from taskhub.retirement import closest_first, listed
from taskhub.sources import HubAddress, open_source
from taskhub.versions import UNVERSIONED_LABEL


@dataclass(frozen=True)
class WatchSettings:
    enabled: bool = False
    until_drained: str | None = None
    interval: float = 15.0
    timeout: float = 3600.0
    stable_for: int = 2
    allow_missing_hub: bool = False


@dataclass(frozen=True)
class Change:
    """One instance's difference between two reads of the unfinished set."""

    instance_id: str
    version: str
    before: str | None
    """Status at the previous read; None: it was not unfinished then (it started)."""
    after: str | None
    """Status now; None: it is no longer unfinished (it finished, or was purged)."""

    @property
    def text(self) -> str:
        what = (
            "started"
            if self.before is None
            else "finished"
            if self.after is None
            else f"{self.before} -> {self.after}"
        )
        return f"{self.instance_id} ({self.version or UNVERSIONED_LABEL}) {what}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def changes_between(
    previous: Iterable[InstanceRecord], current: Iterable[InstanceRecord]
) -> tuple[Change, ...]:
    before = {r.instance_id: r for r in previous}
    now = {r.instance_id: r for r in current}
    found = [
        Change(i, now[i].version, before[i].runtime_status if i in before else None, s)
        for i, s in ((i, r.runtime_status) for i, r in now.items())
        if i not in before or before[i].runtime_status != s
    ]
    found += [
        Change(i, r.version, r.runtime_status, None) for i, r in before.items() if i not in now
    ]
    return tuple(sorted(found, key=lambda c: (c.after is not None, c.instance_id)))


@dataclass(frozen=True)
class WatchRead:
    read: int
    elapsed: float
    unfinished: tuple[InstanceRecord, ...]
    blocking: tuple[InstanceRecord, ...]
    changes: tuple[Change, ...]

    @property
    def by_version(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for record in self.unfinished:
            counts.setdefault(record.version, Counter())[record.runtime_status] += 1
        return {v: dict(sorted(c.items())) for v, c in sorted(counts.items())}

    @property
    def counts(self) -> str:
        """Unfinished instances per version and status, as one line."""
        return (
            "; ".join(
                f"{v or UNVERSIONED_LABEL} " + ", ".join(f"{s} {n}" for s, n in statuses.items())
                for v, statuses in self.by_version.items()
            )
            or "none"
        )

    def line(self, version: str, wait: float) -> str:
        """The progress line of one read of the watch for `version`."""
        parts = (
            f"{len(self.blocking)} unfinished at {version} or older",
            f"unfinished by version: {self.counts}",
            f"since last read: {', '.join(c.text for c in self.changes) or 'nothing'}",
            f"next read in {wait:.0f}s",
        )
        return f"[{clock(self.elapsed)}] read {self.read}: " + " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "elapsed_seconds": round(self.elapsed, 3),
            "blocking": len(self.blocking),
            "by_version": self.by_version,
            "changes": [c.to_json() for c in self.changes],
        }


@dataclass
class WatchResult(Polled):
    last: WatchRead | None = None
    timeline: list[WatchRead] = field(default_factory=list)


class RolloutWatch:
    def __init__(
        self,
        source: InstanceSource,
        hub: TaskHub,
        settings: WatchSettings,
        *,
        include_entities: bool = False,
        on_read: Callable[[WatchRead, float], None] = lambda _r, _w: None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        assert settings.until_drained is not None
        self._clock = clock
        self.source, self.hub = source, hub
        self.settings, self.version = settings, settings.until_drained
        self.include_entities = include_entities
        self._on_read = on_read

    def _unfinished(self, result: WatchResult) -> list[InstanceRecord]:
        try:
            return list(self.source.unfinished(include_entities=self.include_entities))
        except HubNotFoundError:
            if not self.settings.allow_missing_hub:
                raise
            warning = (
                f"{self.hub.listing} does not exist; counted as drained "
                "because --allow-missing-hub was given"
            )
            if warning not in result.warnings:
                result.warnings.append(warning)
            return []

    def run(self) -> WatchResult:
        result = WatchResult()

        def good(unfinished: tuple[InstanceRecord, ...]) -> bool:
            previous = result.last
            read = WatchRead(
                result.reads,
                result.elapsed,
                unfinished,
                version_or_older(unfinished, self.version),
                changes_between(previous.unfinished, unfinished) if previous else (),
            )
            result.last = read
            if previous is None or read.changes:
                result.timeline.append(read)
            return not read.blocking

        def waiting(wait: float) -> None:
            assert result.last is not None
            self._on_read(result.last, wait)

        def passed() -> None:
            result.warnings.extend(self._unrecorded(result))

        def fetch() -> tuple[InstanceRecord, ...]:
            return tuple(self._unfinished(result))

        poll(result, fetch, good, self.settings, waiting, passed, self._clock)
        return result

    def _unrecorded(self, result: WatchResult) -> list[str]:
        """A version no instance ever had passes at once, and is as likely a typo (`1.O`, or
        `1.0` for `1.0.0`) as a version long drained: the pass says so, with the versions
        the hub did record, as `retire` refuses such a version."""
        seen = (r for read in result.timeline for r in read.unfinished)
        if any(r.version == self.version for r in seen):
            return []
        try:
            records = self.source.instances(include_entities=self.include_entities)
        except HubNotFoundError:
            return []  # passing on --allow-missing-hub, which already warned
        if any(r.version == self.version or r.unreadable_column("Version") for r in records):
            return []
        known = listed(closest_first(self.version, (r.version for r in records)))
        return [
            f"no instance of version {self.version!r} was ever recorded in hub "
            f"{self.hub.name!r} (versions recorded there, closest first: {known}); "
            "check the version string: nothing unfinished is at or below one never used"
        ]


def watch_rollout(
    address: HubAddress,
    retry: RetrySettings,
    settings: WatchSettings,
    *,
    include_entities: bool = False,
    on_read: Callable[[WatchRead, float], None] = lambda _r, _w: None,
) -> WatchResult:
    """The watch on the hub at `address`, read through its instance source."""
    with open_source(address, retry) as source:
        watch = RolloutWatch(
            source, address.hub, settings, include_entities=include_entities, on_read=on_read
        )
        return watch.run()
