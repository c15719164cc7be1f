"""Records and counts as short plain text, the same in progress lines and in reports.

Plain text only (no styles): a stage hands these lines to whatever prints them, and the
CLI's `Output` neutralises what came from rows before it reaches a terminal or a CI log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from taskhub.instance_rows import InstanceRecord
from taskhub.versions import UNVERSIONED_LABEL


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def counts_text(counts: Mapping[str, int], *, versions: bool = False) -> str:
    def label(key: str) -> str:
        return (key or UNVERSIONED_LABEL) if versions else (key or "(no status)")

    return ", ".join(f"{label(k)} {v}" for k, v in counts.items()) or "none"


def instance_line(record: InstanceRecord) -> str:
    if record.unreadable_column("Version"):
        version = "(version unknown)"
    else:
        version = f"v{record.version}" if record.version else UNVERSIONED_LABEL
    line = (
        f"{record.instance_id}  {record.name or '?'}  {version}  "
        f"{record.runtime_status or '(no status)'}  created {iso(record.created_time) or '?'}"
    )
    return f"{line}  UNREADABLE: {'; '.join(record.unreadable)}" if record.unreadable else line


def clock(elapsed: float) -> str:
    """Elapsed seconds as the progress lines show them: `m:ss`."""
    minutes, seconds = divmod(int(elapsed), 60)
    return f"{minutes}:{seconds:02d}"
