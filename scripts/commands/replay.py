"""`durable-deploy replay-check`: does the new orchestrator code replay every in-flight history?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.annotations import Annotator, CiOption, CiSystem
from scripts.connect import HubArgs, with_hub_options
from scripts.exits import Exit
from scripts.replay import Selection, describe, load_orchestrator, replay_unfinished
from scripts.report import JsonOption, Output, cannot_decide
from taskhub.errors import TaskHubError

HELP = (
    "Replay the recorded history of every unfinished instance through the orchestrator "
    "code about to be deployed, with the SDK's own executor, and report the instances it "
    'would break with "Non-Deterministic workflow detected".\n\n'
    "Every TaskScheduled, SubOrchestrationInstanceCreated, TimerCreated and EventSent in "
    "the history must be produced again, in order, with the same name. It only reads: "
    "activities are never run (their results are in the history). It cannot see "
    "nondeterminism the history does not record (random numbers, the clock, I/O in the "
    "orchestrator) nor bugs in the activities themselves.\n\n"
    "Exit codes: 0 every replayed instance is ok; 1 an instance is nondeterministic or the "
    "code raised; 2 cannot run (no access, missing table, the app cannot be imported)."
)
APP_PANEL = "The orchestrator code"


@with_hub_options
def replay_check(
    where: HubArgs,
    app_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder of a Python v2 function app (its function_app.py).",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    orchestrator: Annotated[
        str | None,
        typer.Option(help="Orchestrator function name in --app-dir.", rich_help_panel=APP_PANEL),
    ] = None,
    function: Annotated[
        str | None,
        typer.Option(
            metavar="MODULE:ATTR",
            help="The orchestrator generator function itself (importable; add --app-dir to "
            "the path).",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    instances: Annotated[
        int | None,
        typer.Option(min=1, help="Replay at most N instances (oldest first; default all)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Only instances of this orchestrator name.")
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Only instances of this exact version.")
    ] = None,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    out, annotator = Output(as_json=json_output), Annotator(ci)
    try:
        handle = load_orchestrator(function, app_dir, orchestrator)
        target = where.target()
        out.secrets = target.connection.secrets
        selection = Selection(name=name or orchestrator, version=version, limit=instances)
        results = replay_unfinished(handle, target, where.retry, selection, out.progress)
    except TaskHubError as exc:
        cannot_decide(out, annotator, "replay-check", exc)
    failing = [r for _, r in results if r.outcome != "ok"]
    code = Exit.NOT_YET if failing else Exit.OK
    payload: dict[str, Any] = {
        "command": "replay-check",
        "hub": target.hub.name,
        "replayed": len(results),
        "ok": len(results) - len(failing),
        "failing": len(failing),
        "exit_code": int(code),
        "instances": [{**r.json(), "name": rec.name, "version": rec.version} for rec, r in results],
    }
    if out.as_json:
        out.json(payload)
    else:
        for result in failing:
            out.text(f"  {result.instance_id}: {describe(result)}", style="red")
        verdict = "REPLAYS" if not failing else "WOULD BREAK"
        out.text(
            f"{verdict}  {len(results) - len(failing)} of {len(results)} in-flight instance(s) "
            "replay through this code",
            style="bold green" if not failing else "bold red",
        )
    for result in failing:
        annotator.message("error", "replay-check", f"{result.instance_id}: {describe(result)}")
    raise typer.Exit(int(code))
