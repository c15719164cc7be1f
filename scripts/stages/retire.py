"""`retire`: may the code path for a version go, and the ledger of those decisions.

Safe only when no unfinished instance has that exact version and its newest instance is
older than the retention (taskhub/retirement.py); a version the hub never recorded is
"cannot decide" unless the caller allows it, since it is usually a mistyped version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from taskhub.connection import RetrySettings
from taskhub.errors import ConfigurationError
from taskhub.ledger import LedgerEntry
from taskhub.retirement import RetirementDecision, decide, listed
from taskhub.sources import HubAddress, open_ledger, open_source


@dataclass(frozen=True)
class Retirement:
    decision: RetirementDecision
    entry: LedgerEntry | None
    """The ledger row written, when the decision was recorded."""


def decide_retirement(
    address: HubAddress,
    retry: RetrySettings,
    version: str,
    *,
    retention: timedelta,
    now: datetime,
    allow_unrecorded: bool = False,
    recorded_by: str | None = None,
    run: str = "",
) -> Retirement:
    """The decision for `version`, appended to the ledger when it is `recorded_by` someone
    (in pipeline run `run`, "" outside one)."""
    with open_source(address, retry) as source:
        records = source.instances()
    decision = decide(version, records, retention, now)
    if not decision.recorded and not allow_unrecorded:
        raise _unrecorded(decision, address.hub.name)
    if recorded_by is None:
        return Retirement(decision, None)
    with open_ledger(address, retry) as ledger:
        entry = ledger.record(decision, recorded_by, run, now)
    return Retirement(decision, entry)


def ledger_history(
    address: HubAddress, retry: RetrySettings, version: str | None = None
) -> list[LedgerEntry]:
    """The hub's recorded decisions, newest first; an absent ledger is an empty one."""
    with open_ledger(address, retry) as ledger:
        return ledger.history(version)


def _unrecorded(decision: RetirementDecision, hub: str) -> ConfigurationError:
    shown = listed(decision.known_versions)
    return ConfigurationError(
        f"no instance of version {decision.version!r} was ever recorded in hub {hub!r}; "
        f"versions recorded there, closest first: {shown}",
        fix="check the version string (it matches exactly), or pass --allow-unrecorded if "
        "that code path was never used",
    )
