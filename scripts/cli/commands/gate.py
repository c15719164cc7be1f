"""`durable-deploy gate`: hold a pipeline until the production slot's task hub has drained."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options import IntervalOption, StableForOption, shared_options
from scripts.cli.options.hub import HubArgs, with_hub_options
from scripts.cli.output import (
    JsonOption,
    Output,
    counts_text,
    error_json,
    instance_json,
    instance_line,
    unreadable_json,
)
from scripts.stages.exits import Exit
from scripts.stages.gate import DrainGate, GateProgress, GateResult, GateSettings, PollOutcome
from taskhub.errors import DurableDeployError
from taskhub.instances import InstanceStore

WAIT_PANEL = "Waiting"
OUTPUT_PANEL = "Output"


def _wait_options(
    timeout: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds to wait before giving up with exit 1 (0: read once).",
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

    Reads the hub's Instances table (server-side filter, a few columns) every --interval
    seconds. Unfinished means anything but Completed, Failed, Canceled and Terminated: Pending,
    Running, Suspended, ContinuedAsNew, unknown statuses and rows whose status cannot be read
    (listed as unreadable) all hold the gate. It passes after --stable-for drained reads in a
    row, so work started between two reads is caught. It only reads: it never creates a table.

    Exit codes: 0 drained; 1 still unfinished at --timeout; 2 cannot decide (bad arguments,
    authentication or authorisation failure, missing table, storage unreachable after retries).
    It never exits 0 unless a read succeeded and showed nothing unfinished.
    """
    out = Output(as_json=json_output)
    annotator = Annotator(ci)
    try:
        resolved = where.target()
    except DurableDeployError as exc:
        _fail_early(out, annotator, where.hub or "?", exc)
    target, connection = resolved.hub, resolved.connection
    out.secrets = connection.secrets
    with connection.service_client(where.retry) as service:
        store = InstanceStore(service, target, secrets=connection.secrets)
        out.progress(
            f"gate: hub {target.name!r}, table {target.instances_table!r} at "
            f"{connection.description}; every {settings.interval:g}s for up to "
            f"{settings.timeout:g}s, {settings.stable_for} drained read(s) in a row to pass"
        )
        result = DrainGate(store, settings, lambda p: out.progress(_progress_line(p))).run()
    payload = _payload(
        result, target.name, target.instances_table, connection.description, settings, show
    )
    _render(out, result, payload, show)
    _annotate(annotator, result, target.name)
    raise typer.Exit(int(result.exit))


def _fail_early(out: Output, annotator: Annotator, hub: str, exc: DurableDeployError) -> NoReturn:
    result = GateResult(exit=Exit.CANNOT_DECIDE, outcome=PollOutcome.ERROR, error=exc)
    payload = _payload(result, hub, None, None, GateSettings(), 0)
    _render(out, result, payload, 0)
    _annotate(annotator, result, hub)
    raise typer.Exit(int(Exit.CANNOT_DECIDE))


def _progress_line(p: GateProgress) -> str:
    minutes, seconds = divmod(int(p.elapsed), 60)
    clock = f"{minutes}:{seconds:02d}"
    snap = p.snapshot
    if snap.drained:
        state = f"drained ({p.stable_reads} read(s) in a row)"
    else:
        state = (
            f"{len(snap.blocking)} unfinished · status: {counts_text(snap.by_status)} · "
            f"version: {counts_text(snap.by_version, versions=True)}"
        )
    ignored = f" · ignored {len(snap.ignored)}" if snap.ignored else ""
    return f"[{clock}] read {p.reads}: {state}{ignored} · next read in {p.next_read_in:.0f}s"


def _payload(
    result: GateResult,
    hub: str,
    table: str | None,
    storage: str | None,
    settings: GateSettings,
    show: int,
) -> dict[str, Any]:
    snap = result.snapshot
    blocking = snap.blocking if snap else ()
    ignored = snap.ignored if snap else ()
    return {
        "command": "gate",
        "hub": hub,
        "table": table,
        "storage": storage,
        "drained": result.drained,
        "outcome": result.outcome,
        "exit_code": int(result.exit),
        "not_finished": len(blocking),
        "unreadable": unreadable_json(blocking, show),
        "by_status": snap.by_status if snap else {},
        "by_version": snap.by_version if snap else {},
        "instances": [instance_json(r) for r in blocking[:show]],
        "ignored": {
            "count": len(ignored),
            "by_name": snap.ignored_by_name if snap else {},
            "instances": [instance_json(r) for r in ignored[:show]],
        },
        "entities_included": settings.include_entities,
        "hub_missing": result.hub_missing,
        "reads": result.reads,
        "stable_reads": result.stable_reads,
        "elapsed_seconds": round(result.elapsed, 3),
        "warnings": result.warnings,
        "error": (error_json(result.error) if result.error else None),
    }


def _render(out: Output, result: GateResult, payload: dict[str, Any], show: int) -> None:
    if out.as_json:
        out.json(payload)
        return
    hub = payload["hub"]
    if result.error:
        out.cannot_decide(result.error)
    elif result.drained:
        out.text(
            f"DRAINED  hub {hub!r}: nothing unfinished for {result.stable_reads} read(s) in a "
            f"row ({result.reads} read(s), {result.elapsed:.1f}s)",
            style="bold green",
        )
    elif result.stable_reads:
        out.text(
            f"NOT CONFIRMED  hub {hub!r}: drained for {result.stable_reads} read(s) in a row, "
            f"--stable-for needs more before --timeout ({result.elapsed:.1f}s)",
            style="bold yellow",
        )
    else:
        out.text(
            f"NOT DRAINED  hub {hub!r}: {payload['not_finished']} unfinished after "
            f"{result.elapsed:.1f}s (--timeout)",
            style="bold yellow",
        )
    snap = result.snapshot
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
