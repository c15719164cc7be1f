"""An instance source over rows held in memory: what another backend hands the stages.

The rows go through the same total reader (`read_row`) the storage backend uses; the
source keeps the protocol's promises only as far as a test needs (unfinished means not
Completed here).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from taskhub.history import History
from taskhub.instance_rows import InstanceRecord, read_row


class ListedSource:
    """A source over rows held in memory: what another backend hands the stages."""

    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.records = [read_row(row) for row in rows]

    @property
    def description(self) -> str:
        return "rows in memory"

    def unfinished(
        self, *, include_entities: bool = False, detail: bool = True
    ) -> Sequence[InstanceRecord]:
        return [r for r in self.records if r.runtime_status != "Completed"]

    def instances(self, *, include_entities: bool = False) -> Sequence[InstanceRecord]:
        return self.records

    def completed_since(self, since: datetime) -> Sequence[InstanceRecord]:
        return []

    def has_any_instance(self) -> bool:
        return bool(self.records)

    def history(self, instance_id: str, execution_id: str | None = None) -> History:
        return History(instance_id, execution_id, [])

    def close(self) -> None:
        pass
