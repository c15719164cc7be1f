"""`durable-deploy replay-check`: does the new orchestrator code replay every in-flight history?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.annotations import Annotator, CiOption, CiSystem
from scripts.connect import HubArgs, shared_options, with_hub_options
from scripts.exits import Exit
from scripts.replay import Handle, Selection, describe, load_orchestrator, replay_unfinished
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


@dataclass(frozen=True)
class CodeArgs:
    """Where the orchestrator code to replay lives."""

    app_dir: Path | None
    orchestrator: str | None
    function: str | None

    @property
    def given(self) -> bool:
        return bool(self.app_dir or self.orchestrator or self.function)

    def handle(self) -> Handle:
        return load_orchestrator(self.function, self.app_dir, self.orchestrator)


def with_code_options(
    prefix: str, panel: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The code options, as `--<prefix>app-dir`, `--<prefix>orchestrator`, `--<prefix>function`."""

    def template(app_dir: Any = None, orchestrator: Any = None, function: Any = None) -> None:
        """Declares the code options once, for `replay-check` and `release`."""

    template.__annotations__ = {
        "app_dir": Annotated[
            Path | None,
            typer.Option(
                f"--{prefix}app-dir",
                help="Folder of the Python v2 function app with the new code (its "
                f"function_app.py); also put on the import path for --{prefix}function.",
                rich_help_panel=panel,
            ),
        ],
        "orchestrator": Annotated[
            str | None,
            typer.Option(
                f"--{prefix}orchestrator",
                help="Orchestrator function name registered in the app.",
                rich_help_panel=panel,
            ),
        ],
        "function": Annotated[
            str | None,
            typer.Option(
                f"--{prefix}function",
                metavar="MODULE:ATTR",
                help="Or the orchestrator generator function itself.",
                rich_help_panel=panel,
            ),
        ],
        "return": None,
    }
    return shared_options(template, CodeArgs, name="code")


@with_hub_options
@with_code_options("", APP_PANEL)
def replay_check(
    where: HubArgs,
    code: CodeArgs,
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
        handle = code.handle()
        target = where.target()
        out.secrets = target.connection.secrets
        selection = Selection(name=name or code.orchestrator, version=version, limit=instances)
        results = replay_unfinished(handle, target, where.retry, selection, out.progress)
    except TaskHubError as exc:
        cannot_decide(out, annotator, "replay-check", exc)
    failing = [r for _, r in results if r.outcome != "ok"]
    exit_code = Exit.NOT_YET if failing else Exit.OK
    payload: dict[str, Any] = {
        "command": "replay-check",
        "hub": target.hub.name,
        "replayed": len(results),
        "ok": len(results) - len(failing),
        "failing": len(failing),
        "exit_code": int(exit_code),
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
    raise typer.Exit(int(exit_code))
