"""`durable-deploy gate`: hold a pipeline until the production slot's task hub has drained."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options import (
    IntervalOption,
    StableForOption,
    duration_option,
    shared_options,
)
from scripts.cli.options.hub import HubArgs, with_hub_options
from scripts.cli.output import Answer, JsonOption, Output, instance_json, wait_json
from scripts.stages.exits import Exit
from scripts.stages.gate import GateResult, GateSettings, run_gate
from scripts.stages.polling import PollOutcome
from scripts.stages.text import counts_text, instance_line
from taskhub.errors import DurableDeployError, offering_allow_missing_hub

WAIT_PANEL = "Waiting"
OUTPUT_PANEL = "Output"


def _wait_options(
    timeout: Annotated[
        float,
        duration_option(
            "How long to wait before giving up with exit 1; 0 reads once",
            bare="s",
            rich_help_panel=WAIT_PANEL,
        ),
    ] = 1800.0,
    interval: IntervalOption = 15.0,
    stable_for: StableForOption = 2,
    include_entities: Annotated[
        bool,
        typer.Option(
            "--include-entities",
            help="Also wait for durable entities (ids starting with @), which are "
            "skipped by default.",
            rich_help_panel=WAIT_PANEL,
        ),
    ] = False,
    ignore_orchestration: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore-orchestration",
            metavar="NAME",
            help="Orchestrator name not to wait for (repeatable), e.g. an eternal "
            "orchestration; still reported.",
            rich_help_panel=WAIT_PANEL,
        ),
    ] = None,
    allow_missing_hub: Annotated[
        bool,
        typer.Option(
            "--allow-missing-hub",
            help="Pass when the Instances table does not exist (a first deploy). "
            "Without it a missing table exits 2: it usually means a wrong hub name.",
            rich_help_panel=WAIT_PANEL,
        ),
    ] = False,
) -> None:
    """Declares how the gate waits, once, for `gate` and `release`."""


def _gate_settings(ignore_orchestration: list[str] | None, **values: Any) -> GateSettings:
    return GateSettings(ignore_orchestrations=tuple(ignore_orchestration or ()), **values)


with_wait_options = shared_options(_wait_options, _gate_settings, name="settings")


@app.command("gate")
@with_hub_options
@with_wait_options
def gate(
    where: HubArgs,
    settings: GateSettings,
    show: Annotated[
        int,
        typer.Option(
            min=0,
            help="How many of the oldest unfinished instances to list.",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = 10,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Hold a pipeline until a task hub has no unfinished orchestrations.

    Reads the hub's Instances table (server-side filter; ids and statuses only, so progress
    lines count by status) every --interval seconds, and the names, versions and times of
    what is still unfinished once, for the report, when it times out. Unfinished means
    anything but Completed, Failed, Canceled and Terminated: Pending, Running, Suspended,
    ContinuedAsNew, unknown statuses and rows whose status cannot be read
    (listed as unreadable) all hold the gate. It passes after --stable-for drained reads in a
    row, so work started between two reads is caught. It only reads: it never creates a table.

    Exit codes: 0 drained; 1 still unfinished at --timeout; 2 cannot decide (bad arguments,
    authentication or authorisation failure, missing table, storage unreachable after retries).
    It never exits 0 unless a read succeeded and showed nothing unfinished.
    """
    out = Output(as_json=json_output)
    annotator = Annotator(ci)
    try:
        address = where.address()
    except DurableDeployError as exc:
        failed = GateResult(exit=Exit.CANNOT_DECIDE, outcome=PollOutcome.ERROR, error=exc)
        out.finish(_answer(failed, where.hub or "?", None, None, GateSettings(), 0), annotator)
    hub, connection = address.hub, address.connection
    out.secrets = connection.secrets
    out.progress(
        f"gate: hub {hub.name!r}, {hub.listing} at "
        f"{connection.description}; every {settings.interval:g}s for up to "
        f"{settings.timeout:g}s, {settings.stable_for} drained read(s) in a row to pass"
    )
    result = run_gate(address, where.retry, settings, on_progress=lambda p: out.progress(p.line))
    answer = _answer(result, hub.name, hub.table, connection.description, settings, show)
    out.finish(answer, annotator)


def _answer(
    result: GateResult,
    hub: str,
    table: str | None,
    storage: str | None,
    settings: GateSettings,
    show: int,
) -> Answer:
    if result.error:
        result = replace(result, error=offering_allow_missing_hub(result.error))
    snap = result.snapshot
    blocking = snap.blocking if snap else ()
    ignored = snap.ignored if snap else ()
    payload = {
        "hub": hub,
        "table": table,
        "storage": storage,
        "drained": result.drained,
        "outcome": result.outcome,
        "not_finished": len(blocking),
        "by_status": snap.by_status if snap else {},
        "by_version": snap.by_version if snap else {},
        "ignored": {
            "count": len(ignored),
            "by_name": snap.ignored_by_name if snap else {},
            "instances": [instance_json(r) for r in ignored[:show]],
        },
        "entities_included": settings.include_entities,
        "hub_missing": result.hub_missing,
        **wait_json(result, blocking, show),
    }
    return Answer(
        "gate",
        result.exit,
        payload,
        lambda out: _render(out, result, hub, show),
        lambda annotator: _annotate(annotator, result, hub),
    )


def _render(out: Output, result: GateResult, hub: str, show: int) -> None:
    snap = result.snapshot
    if result.error:
        out.cannot_decide(result.error)
    elif result.drained:
        out.text(
            f"DRAINED  hub {hub!r}: nothing unfinished for {result.stable_reads} read(s) "
            f"in a row ({result.reads} read(s), {result.elapsed:.1f}s)",
            style="bold green",
        )
    elif result.stable_reads:
        out.text(
            f"NOT CONFIRMED  hub {hub!r}: drained for {result.stable_reads} read(s) in a "
            f"row, --stable-for needs more before --timeout ({result.elapsed:.1f}s)",
            style="bold yellow",
        )
    else:
        out.text(
            f"NOT DRAINED  hub {hub!r}: {len(snap.blocking) if snap else 0} unfinished "
            f"after {result.elapsed:.1f}s (--timeout)",
            style="bold yellow",
        )
    if snap and snap.blocking:
        if snap.unreadable:
            out.text(f"  unreadable: {len(snap.unreadable)} row(s) hold the gate:")
            for record in snap.unreadable[:show]:
                out.text(f"    {instance_line(record)}")
        out.text(f"  by status:  {counts_text(snap.by_status)}")
        out.text(f"  by version: {counts_text(snap.by_version, versions=True)}")
        out.text(f"  oldest {min(show, len(snap.blocking))}:")
        for record in snap.blocking[:show]:
            out.text(f"    {instance_line(record)}")
    if snap and snap.ignored:
        out.text(f"  ignored (not waited for): {counts_text(snap.ignored_by_name)}")
    for warning in result.warnings:
        out.text(f"  warning: {warning}", style="yellow")


def _annotate(annotator: Annotator, result: GateResult, hub: str) -> None:
    snap = result.snapshot
    title = f"drain gate ({hub})"
    if result.error:
        annotator.message("error", title, f"cannot decide: {result.error}")
    elif result.drained:
        annotator.message("notice", title, "drained: no unfinished orchestrations")
    else:
        assert snap is not None
        annotator.message(
            "error",
            title,
            f"{len(snap.blocking)} unfinished at the timeout ({counts_text(snap.by_status)})",
        )
    for warning in result.warnings:
        annotator.message("warning", title, warning)
    annotator.outputs(
        {
            "drained": str(result.drained).lower(),
            "not_finished": str(len(snap.blocking) if snap else -1),
        }
    )
