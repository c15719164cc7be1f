"""The retirement ledger: who decided what about a version, and when, kept beside the hub.

One row per recorded decision in table `DurableDeployLedger` of the hub's own storage
account: PartitionKey = hub name, RowKey = an inverted timestamp so the newest comes
first. Recording creates the table; reading history never does.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableServiceClient

from taskhub.errors import DurableDeployError, is_table_missing, translate_storage_error
from taskhub.hubs import TaskHub
from taskhub.retirement import RetirementDecision

LEDGER_TABLE = "DurableDeployLedger"
_MAX_TICKS = 10**19
# Who ran it, from the variables each CI system sets, then the local user.
_WHO = (
    "GITHUB_ACTOR",
    "BUILD_REQUESTEDFOR",
    "BUILD_REQUESTEDFOREMAIL",
    "USER",
    "LOGNAME",
    "USERNAME",
)
_RUN = ("GITHUB_RUN_ID", "BUILD_BUILDID")


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
        self, decision: RetirementDecision, environ: Mapping[str, str], now: datetime | None = None
    ) -> LedgerEntry:
        moment = now or datetime.now(UTC)
        entry = LedgerEntry(
            hub=self.hub.name,
            version=decision.version,
            verdict="safe" if decision.safe else "not-yet",
            reasons=decision.reasons,
            total=decision.total,
            unfinished=decision.unfinished,
            recorded_at=moment,
            recorded_by=next((environ[k] for k in _WHO if environ.get(k)), "unknown"),
            run=next((environ[k] for k in _RUN if environ.get(k)), ""),
        )
        try:
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
        except DurableDeployError:
            raise
        except Exception as exc:
            raise translate_storage_error(exc, self.hub, self._secrets) from None
        return entry

    def history(self, version: str | None = None) -> list[LedgerEntry]:
        """Newest first; an absent ledger is an empty history, not an error."""
        query = f"PartitionKey eq '{self.hub.name}'"  # hub names are letters and digits
        if version is not None:
            query += " and Version eq '" + version.replace("'", "''") + "'"
        try:
            rows = list(self._table.query_entities(query))
        except Exception as exc:
            if is_table_missing(exc):
                return []
            raise translate_storage_error(exc, self.hub, self._secrets) from None
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
