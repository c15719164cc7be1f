"""`durable-deploy`: the pipeline stages, one sub-command each."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from scripts.boundary import guard_commands, secrets_of, set_debug
from scripts.commands.check import HELP as CHECK_HELP
from scripts.commands.check import check
from scripts.commands.gate import HELP as GATE_HELP
from scripts.commands.gate import gate
from scripts.commands.lint import HELP as LINT_HELP
from scripts.commands.lint import lint_command
from scripts.commands.plan import HELP as PLAN_HELP
from scripts.commands.plan import plan
from scripts.commands.release import HELP as RELEASE_HELP
from scripts.commands.release import release
from scripts.commands.replay import HELP as REPLAY_HELP
from scripts.commands.replay import replay_check
from scripts.commands.retire import HELP as RETIRE_HELP
from scripts.commands.retire import retire
from scripts.commands.routes import app as routes_app
from scripts.commands.scaffold import HELP as SCAFFOLD_HELP
from scripts.commands.scaffold import scaffold
from scripts.commands.starters import QUIESCE_HELP, RESUME_HELP, quiesce, resume
from scripts.commands.swap import HELP as SWAP_HELP
from scripts.commands.swap import swap
from scripts.commands.versions import HELP as VERSIONS_HELP
from scripts.commands.versions import versions
from taskhub.secrets import redact, register

app = typer.Typer(
    name="durable-deploy",
    help="Zero-downtime release stages for Azure Durable Functions apps. "
    "Exit codes everywhere: 0 yes/safe, 1 not yet, 2 cannot decide.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Print the traceback of an unexpected error (stderr)."),
    ] = False,
) -> None:
    """Keeps `durable-deploy <stage>` a group, and takes the options every stage shares."""
    set_debug(debug)


app.command("gate", help=GATE_HELP)(gate)
app.command("plan", help=PLAN_HELP)(plan)
app.command("check", help=CHECK_HELP)(check)
app.command("versions", help=VERSIONS_HELP)(versions)
app.command("retire", help=RETIRE_HELP)(retire)
app.command("scaffold-version", help=SCAFFOLD_HELP)(scaffold)
app.command("replay-check", help=REPLAY_HELP)(replay_check)
app.command("lint", help=LINT_HELP)(lint_command)
app.command("quiesce", help=QUIESCE_HELP)(quiesce)
app.command("swap", help=SWAP_HELP)(swap)
app.command("resume", help=RESUME_HELP)(resume)
app.command("release", help=RELEASE_HELP)(release)
app.add_typer(routes_app, name="routes")
guard_commands(app)


def main() -> None:
    """Runs the CLI; a usage error under --json is still one JSON object, and exit 2."""
    register(secrets_of({"argv": sys.argv}, os.environ))
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(130)
    except typer.TyperException as exc:  # a usage error: bad option, unknown command
        text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        if "--json" in sys.argv:
            message = redact(text)
            error = {"type": "UsageError", "message": message, "fix": "see --help"}
            print(json.dumps({"command": " ".join(sys.argv[1:2]), "error": error}))
        else:
            print(redact(f"Error: {text}"), file=sys.stderr)
            print("Try 'durable-deploy --help' for help.", file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
