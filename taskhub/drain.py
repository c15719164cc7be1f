"""The drain decision: which unfinished instances hold a swap, and how to summarise them.

Pure functions over records, so the rule is tested without storage and shared by the gate,
the release flow and the sample app's StatusCheck endpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from taskhub.instances import InstanceRecord
from taskhub.versions import compare_versions


@dataclass(frozen=True)
class DrainSnapshot:
    """One read of a hub: what blocks a swap and what was deliberately not waited for."""

    blocking: tuple[InstanceRecord, ...]
    ignored: tuple[InstanceRecord, ...]

    @property
    def drained(self) -> bool:
        return not self.blocking

    @property
    def unreadable(self) -> tuple[InstanceRecord, ...]:
        """Blocking rows whose columns could not be read: they hold, and are listed."""
        return tuple(r for r in self.blocking if not r.readable)

    @property
    def by_status(self) -> dict[str, int]:
        return _count(r.runtime_status for r in self.blocking)

    @property
    def by_version(self) -> dict[str, int]:
        """Counts of the versions that could be read: an instance whose version cannot be
        is in none (not under "unversioned", which is a version); `unreadable` counts it."""
        return _count(r.version for r in self.blocking if not r.unreadable_column("Version"))

    @property
    def ignored_by_name(self) -> dict[str, int]:
        return _count(r.name or "" for r in self.ignored)


def snapshot(records: Iterable[InstanceRecord], ignore_names: Iterable[str] = ()) -> DrainSnapshot:
    """Split unfinished records into blocking and ignored ones.

    Orchestrator names are matched case-insensitively, as the Functions host resolves them.
    Ignoring is for eternal orchestrations that never finish; they are still reported.
    An unreadable row is never ignored: its name may be the one thing that was readable.
    """
    ignored_names = {n.lower() for n in ignore_names}
    blocking: list[InstanceRecord] = []
    ignored: list[InstanceRecord] = []
    for record in records:
        is_ignored = (
            record.readable and record.name is not None and record.name.lower() in ignored_names
        )
        (ignored if is_ignored else blocking).append(record)
    return DrainSnapshot(blocking=tuple(blocking), ignored=tuple(ignored))


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def version_or_older(records: Iterable[InstanceRecord], version: str) -> tuple[InstanceRecord, ...]:
    """The records of `version` or an older one, by DurableTask's own CompareVersions.

    Unversioned instances are older than any version ("only one empty: it is older"), so
    they hold a drain of any version; "1.0" is older than "1.0.0", "10" older than "9".
    """
    return tuple(r for r in records if compare_versions(r.version, version) <= 0)
