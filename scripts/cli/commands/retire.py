"""`durable-deploy retire`: may the code path for a version go, and the ledger of decisions."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.ci import CiFacts
from scripts.cli.options import duration_option
from scripts.cli.options.hub import HubArgs, with_hub_options
from scripts.cli.output import Answer, JsonOption, Output, fields_json
from scripts.stages.exits import Exit
from scripts.stages.retire import Retirement, decide_retirement, ledger_history
from scripts.stages.text import iso
from taskhub.errors import ConfigurationError
from taskhub.ledger import LEDGER_TABLE, LedgerEntry
from taskhub.retirement import RetirementDecision


@app.command("retire")
@with_hub_options
def retire(
    where: HubArgs,
    version: Annotated[str | None, typer.Option("--version", help="Exact version string.")] = None,
    retention: Annotated[
        float, duration_option("Time since the newest instance of the version", bare="d")
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
    code) and its newest instance was created longer ago than --retention (newer ones mean
    clients still start it). Never safe on a read error or an unreadable row; a version the hub
    never recorded is exit 2 unless --allow-unrecorded. --record appends the decision to the
    DurableDeployLedger table in the same storage account (who, when, why); --history lists the
    ledger without reading instances.

    Exit codes: 0 safe (or history listed); 1 not yet, reasons listed; 2 cannot decide.
    """
    out = Output(as_json=json_output)
    annotator = Annotator(facts := CiFacts.read(ci))
    if version is None and not history:
        raise ConfigurationError("no --version given", fix="pass --version V, or --history")
    address = where.address()
    out.secrets = address.connection.secrets
    if history:
        entries = ledger_history(address, where.retry, version)
        listed = {"history": [_entry_json(e) for e in entries]}
        out.finish(Answer("retire", Exit.OK, listed, lambda out: _render_history(out, entries)))
    assert version is not None
    done = decide_retirement(
        address,
        where.retry,
        version,
        retention=timedelta(seconds=retention),
        now=datetime.now(UTC),
        allow_unrecorded=allow_unrecorded,
        recorded_by=facts.actor if record else None,
        run=facts.run_id,
    )
    out.finish(_answer(address.hub.name, done), annotator)


def _entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return fields_json(entry, (f.name for f in fields(entry)))


def _render_history(out: Output, entries: list[LedgerEntry]) -> None:
    if not entries:
        out.text(f"the {LEDGER_TABLE} ledger has no decisions for this hub")
    for e in entries:
        out.text(
            f"{iso(e.recorded_at)}  {e.version or '(unversioned)'}  {e.verdict:8}  "
            f"by {e.recorded_by}{f' (run {e.run})' if e.run else ''}"
        )
        for reason in e.reasons:
            out.text(f"    {reason}")


def _answer(hub: str, done: Retirement) -> Answer:
    decision, entry = done.decision, done.entry
    payload = {
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
    return Answer(
        "retire",
        Exit.OK if decision.safe else Exit.NOT_YET,
        payload,
        lambda out: _render_decision(out, hub, decision, entry),
        lambda annotator: _annotate(annotator, hub, decision),
    )


def _render_decision(
    out: Output, hub: str, decision: RetirementDecision, entry: LedgerEntry | None
) -> None:
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


def _annotate(annotator: Annotator, hub: str, decision: RetirementDecision) -> None:
    annotator.message(
        "notice" if decision.safe else "warning",
        f"retire {decision.version} ({hub})",
        "safe to remove" if decision.safe else "; ".join(decision.reasons),
    )
    annotator.outputs({"retire_safe": str(decision.safe).lower()})
