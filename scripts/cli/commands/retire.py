"""`durable-deploy retire`: may the code path for a version go, and the ledger of decisions."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options.hub import HubArgs, with_hub_options
from scripts.cli.output import JsonOption, Output, iso
from scripts.stages.exits import Exit
from taskhub.errors import ConfigurationError
from taskhub.instances import InstanceStore
from taskhub.ledger import LEDGER_TABLE, Ledger, LedgerEntry
from taskhub.retirement import RetirementDecision, decide, listed


@app.command("retire")
@with_hub_options
def retire(
    where: HubArgs,
    version: Annotated[str | None, typer.Option("--version", help="Exact version string.")] = None,
    retention: Annotated[
        float, typer.Option(min=0, help="Days since the newest instance of the version.")
    ] = 30.0,
    record: Annotated[
        bool, typer.Option("--record", help="Append the decision to the ledger.")
    ] = False,
    history: Annotated[bool, typer.Option("--history", help="List the ledger and exit.")] = False,
    allow_unrecorded: Annotated[
        bool,
        typer.Option(
            "--allow-unrecorded",
            help="Answer SAFE for a version no instance ever had (the path was never used). "
            "Without it that is exit 2: it usually means a mistyped version.",
        ),
    ] = False,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Decide whether the legacy code path for --version can be removed.

    Safe only when no unfinished instance has that exact version (it would replay through that
    code) and its newest instance was created longer ago than --retention days (newer ones mean
    clients still start it). Never safe on a read error or an unreadable row; a version the hub
    never recorded is exit 2 unless --allow-unrecorded. --record appends the decision to the
    DurableDeployLedger table in the same storage account (who, when, why); --history lists the
    ledger without reading instances.

    Exit codes: 0 safe (or history listed); 1 not yet, reasons listed; 2 cannot decide.
    """
    out = Output(as_json=json_output)
    annotator = Annotator(ci)
    if version is None and not history:
        raise ConfigurationError("no --version given", fix="pass --version V, or --history")
    target = where.target()
    out.secrets = target.connection.secrets
    secrets = target.connection.secrets
    with target.connection.service_client(where.retry) as service:
        ledger = Ledger(service, target.hub, secrets=secrets)
        if history:
            entries = ledger.history(version)
            _render_history(out, entries)
            raise typer.Exit(int(Exit.OK))
        assert version is not None
        records = InstanceStore(service, target.hub, secrets=secrets).instances()
        decision = decide(version, records, timedelta(days=retention), datetime.now(UTC))
        if not decision.recorded and not allow_unrecorded:
            raise _unrecorded(decision, target.hub.name)
        entry = ledger.record(decision, os.environ) if record else None
    _render_decision(out, target.hub.name, decision, entry)
    title = f"retire {version} ({target.hub.name})"
    annotator.message(
        "notice" if decision.safe else "warning",
        title,
        "safe to remove" if decision.safe else "; ".join(decision.reasons),
    )
    annotator.outputs({"retire_safe": str(decision.safe).lower()})
    raise typer.Exit(int(Exit.OK if decision.safe else Exit.NOT_YET))


def _unrecorded(decision: RetirementDecision, hub: str) -> ConfigurationError:
    shown = listed(decision.known_versions)
    return ConfigurationError(
        f"no instance of version {decision.version!r} was ever recorded in hub {hub!r}; "
        f"versions recorded there, closest first: {shown}",
        fix="check the version string (it matches exactly), or pass --allow-unrecorded if "
        "that code path was never used",
    )


def _entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "hub": entry.hub,
        "version": entry.version,
        "verdict": entry.verdict,
        "reasons": list(entry.reasons),
        "total": entry.total,
        "unfinished": entry.unfinished,
        "recorded_at": iso(entry.recorded_at),
        "recorded_by": entry.recorded_by,
        "run": entry.run,
    }


def _render_history(out: Output, entries: list[LedgerEntry]) -> None:
    if out.as_json:
        out.json({"command": "retire", "history": [_entry_json(e) for e in entries]})
        return
    if not entries:
        out.text(f"the {LEDGER_TABLE} ledger has no decisions for this hub")
    for e in entries:
        out.text(
            f"{iso(e.recorded_at)}  {e.version or '(unversioned)'}  {e.verdict:8}  "
            f"by {e.recorded_by}{f' (run {e.run})' if e.run else ''}"
        )
        for reason in e.reasons:
            out.text(f"    {reason}")


def _render_decision(
    out: Output, hub: str, decision: RetirementDecision, entry: LedgerEntry | None
) -> None:
    if out.as_json:
        out.json(
            {
                "command": "retire",
                "hub": hub,
                "version": decision.version,
                "safe": decision.safe,
                "reasons": list(decision.reasons),
                "total": decision.total,
                "unfinished": decision.unfinished,
                "unreadable": decision.unreadable,
                "recorded_in_hub": decision.recorded,
                "newest_created": iso(decision.newest_created),
                "recorded": _entry_json(entry) if entry else None,
            }
        )
        return
    verdict = "SAFE to remove" if decision.safe else "NOT YET"
    out.text(
        f"{verdict}: code path for version {decision.version!r} in hub {hub!r} "
        f"({decision.total} instance(s), {decision.unfinished} unfinished)",
        style="bold green" if decision.safe else "bold yellow",
    )
    for reason in decision.reasons:
        out.text(f"  - {reason}")
    if entry:
        out.text(f"  recorded in {LEDGER_TABLE} by {entry.recorded_by}")
