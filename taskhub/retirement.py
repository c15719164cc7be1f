"""May the code path for a version be removed? Only when nothing can still need it.

Safe means both: no unfinished instance has the version (it would replay through that
code), and its newest instance is older than the retention (a recent one means clients
still start it). An unreadable table never gets here: reads raise, and a caller maps that
to "cannot decide".
"""

from __future__ import annotations

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


def decide(
    version: str, records: Iterable[InstanceRecord], retention: timedelta, now: datetime
) -> RetirementDecision:
    records = [r for r in records if r.version == version]
    unfinished = [r for r in records if not is_finished(r.runtime_status)]
    newest = max((r.created_time for r in records if r.created_time), default=None)
    reasons = []
    if unfinished:
        reasons.append(
            f"{len(unfinished)} unfinished instance(s) of version {version!r} would replay "
            f"through its code (oldest: {unfinished[0].instance_id})"
        )
    if newest is not None and now - newest < retention:
        reasons.append(
            f"the newest instance of version {version!r} was created {newest.isoformat()}, "
            f"within the {retention.days}-day retention: clients may still start it"
        )
    if not records:
        reasons_note = f"no instance of version {version!r} was ever recorded in this hub"
        return RetirementDecision(version, True, (reasons_note,), 0, 0, None)
    return RetirementDecision(
        version, not reasons, tuple(reasons), len(records), len(unfinished), newest
    )
