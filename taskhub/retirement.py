"""May the code path for a version be removed? Only when nothing can still need it.

Safe means both: no unfinished instance has the version (it would replay through that
code), and its newest instance is older than the retention (a recent one means clients
still start it). A row whose Version or status cannot be read might be that version, so it
keeps the path. A version the hub never recorded is not "safe" by itself: it is as likely a
typo (`1.O`) as a path that was never used, so the decision says so and the caller refuses
unless told otherwise. An unreadable table never gets here: reads raise, and a caller maps
that to "cannot decide".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from taskhub.instances import InstanceRecord
from taskhub.status import is_finished


@dataclass(frozen=True)
class RetirementDecision:
    version: str
    safe: bool
    reasons: tuple[str, ...]
    total: int
    unfinished: int
    newest_created: datetime | None
    recorded: bool = True
    """False when no instance of the version was ever recorded in the hub."""
    known_versions: tuple[str, ...] = ()
    """The versions the hub did record, closest to `version` first."""
    unreadable: int = 0


def closest_first(wanted: str, versions: Iterable[str]) -> tuple[str, ...]:
    """`versions` ordered by likeness to `wanted` (case-insensitive), most alike first."""

    def likeness(candidate: str) -> float:
        return difflib.SequenceMatcher(None, wanted.lower(), candidate.lower()).ratio()

    return tuple(sorted(set(versions), key=lambda v: (-likeness(v), v)))


def listed(versions: Iterable[str], most: int = 10) -> str:
    """Versions for a message, `''` named as the unversioned instances it stands for."""
    shown = [repr(v) if v else "'' (unversioned)" for v in versions]
    return ", ".join(shown[:most]) or "none"


def decide(
    version: str, records: Iterable[InstanceRecord], retention: timedelta, now: datetime
) -> RetirementDecision:
    every = list(records)
    mine = [r for r in every if r.version == version]
    # A row whose Version could not be read may well be this version.
    unknown = [r for r in every if r.unreadable_column("Version")]
    unreadable = [r for r in mine if not r.readable] + unknown
    unfinished = [r for r in mine if not is_finished(r.runtime_status)]
    newest = max((r.created_time for r in mine if r.created_time), default=None)
    reasons = []
    if unfinished:
        reasons.append(
            f"{len(unfinished)} unfinished instance(s) of version {version!r} would replay "
            f"through its code (oldest: {unfinished[0].instance_id})"
        )
    if unreadable:
        first = unreadable[0]
        reasons.append(
            f"{len(unreadable)} row(s) that may be version {version!r} cannot be read "
            f"(first: {first.instance_id}: {'; '.join(first.unreadable)})"
        )
    if newest is not None and now - newest < retention:
        reasons.append(
            f"the newest instance of version {version!r} was created {newest.isoformat()}, "
            f"within the {retention.days}-day retention: clients may still start it"
        )
    if not mine and not unknown:
        note = f"no instance of version {version!r} was ever recorded in this hub"
        known = closest_first(version, (r.version for r in every))
        return RetirementDecision(version, True, (note,), 0, 0, None, False, known)
    return RetirementDecision(
        version,
        not reasons,
        tuple(reasons),
        len(mine),
        len(unfinished),
        newest,
        unreadable=len(unreadable),
    )
