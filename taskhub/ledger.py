"""The retirement ledger: who decided what about a version, and when, kept beside the hub.

One row per recorded decision in table `DurableDeployLedger` of the hub's own storage
account: PartitionKey = hub name, RowKey = an inverted timestamp so the newest comes
first. Recording creates the table; reading history never does.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableServiceClient

from taskhub.errors import TableNotFoundError, map_storage_errors
from taskhub.hubs import TaskHub
from taskhub.retirement import RetirementDecision

LEDGER_TABLE = "DurableDeployLedger"
_MAX_TICKS = 10**19


@dataclass(frozen=True)
class LedgerEntry:
    hub: str
    version: str
    verdict: str
    reasons: tuple[str, ...]
    total: int
    unfinished: int
    recorded_at: datetime
    recorded_by: str
    run: str


def _row_key(moment: datetime) -> str:
    ticks = int(moment.timestamp() * 1_000_000)
    return f"{_MAX_TICKS - ticks:020d}-{uuid.uuid4().hex[:8]}"


class Ledger:
    def __init__(
        self, service: TableServiceClient, hub: TaskHub, *, secrets: tuple[str, ...] = ()
    ) -> None:
        self.service, self.hub, self._secrets = service, hub, secrets
        self._table = service.get_table_client(LEDGER_TABLE)

    def record(
        self, decision: RetirementDecision, recorded_by: str, run: str, moment: datetime
    ) -> LedgerEntry:
        """`recorded_by` and `run`: who decided and in which pipeline run (CI facts)."""
        entry = LedgerEntry(
            hub=self.hub.name,
            version=decision.version,
            verdict="safe" if decision.safe else "not-yet",
            reasons=decision.reasons,
            total=decision.total,
            unfinished=decision.unfinished,
            recorded_at=moment,
            recorded_by=recorded_by,
            run=run,
        )
        with map_storage_errors(LEDGER_TABLE, secrets=self._secrets):
            with contextlib.suppress(ResourceExistsError):
                self.service.create_table(LEDGER_TABLE)
            self._table.create_entity(
                {
                    "PartitionKey": entry.hub,
                    "RowKey": _row_key(moment),
                    "Version": entry.version,
                    "Verdict": entry.verdict,
                    "Reasons": json.dumps(list(entry.reasons)),
                    "Total": entry.total,
                    "Unfinished": entry.unfinished,
                    "RecordedAt": entry.recorded_at,
                    "RecordedBy": entry.recorded_by,
                    "Run": entry.run,
                }
            )
        return entry

    def history(self, version: str | None = None) -> list[LedgerEntry]:
        """Newest first; an absent ledger is an empty history, not an error."""
        query = f"PartitionKey eq '{self.hub.name}'"  # hub names are letters and digits
        if version is not None:
            query += " and Version eq '" + version.replace("'", "''") + "'"
        try:
            with map_storage_errors(LEDGER_TABLE, secrets=self._secrets):
                rows = list(self._table.query_entities(query))
        except TableNotFoundError:
            return []
        return [
            LedgerEntry(
                hub=row["PartitionKey"],
                version=row.get("Version", ""),
                verdict=row.get("Verdict", ""),
                reasons=tuple(json.loads(row.get("Reasons") or "[]")),
                total=int(row.get("Total", 0)),
                unfinished=int(row.get("Unfinished", 0)),
                recorded_at=row["RecordedAt"],
                recorded_by=row.get("RecordedBy", ""),
                run=row.get("Run", ""),
            )
            for row in rows
        ]
