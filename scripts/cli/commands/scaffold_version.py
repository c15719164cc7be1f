"""`durable-deploy scaffold-version`: the next classic version of an orchestrator module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scripts.cli.app import app
from scripts.cli.output import Answer, JsonOption, Output
from scripts.stages.exits import Exit
from scripts.stages.scaffold import Scaffolded, scaffold_next_version


@app.command("scaffold-version")
def scaffold(
    app_dir: Annotated[
        Path,
        typer.Option(
            "--app-dir",
            exists=True,
            file_okay=False,
            help="The function app folder (function_app.py).",
        ),
    ],
    module: Annotated[
        Path,
        typer.Option(
            "--module",
            help="Any version of the module, e.g. "
            "orders/process_order_v1.py (relative to --app-dir).",
        ),
    ],
    json_output: JsonOption = False,
) -> None:
    """Copy the newest <module>_v<N>.py of a Python v2 app to <module>_v<N+1>.py, renaming its
    versioned identifiers (_V<N>, _v<N>; multi-digit safe), and register the copy beside the
    original in function_app.py. Prints the Orchestrators__<Name> setting that sends new
    instances to the new version; old instances keep the old function.

    Exit codes: 0 created; 2 bad arguments.
    """
    done = scaffold_next_version(app_dir, module)
    payload = {
        "source": str(done.source),
        "created": str(done.created),
        "version": done.new_version,
        "registrations": done.registrations,
        "functions": list(done.functions),
        "settings": done.settings,
    }
    Output(as_json=json_output).finish(
        Answer("scaffold-version", Exit.OK, payload, lambda out: _render(out, done))
    )


def _render(out: Output, done: Scaffolded) -> None:
    out.text(
        f"created {done.created} (v{done.old_version} -> v{done.new_version}); "
        f"{done.registrations} registration line(s) added to function_app.py"
    )
    for name, value in done.settings.items():
        out.text(f"after deploying, set {name}={value} so new instances start it")
