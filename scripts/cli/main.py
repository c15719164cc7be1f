"""`durable-deploy`: the pipeline stages, one sub-command each."""

from __future__ import annotations

import os
import sys

import typer

from scripts.cli.annotations import Annotator, CiSystem
from scripts.cli.app import app
from scripts.cli.boundary import UsageError, guard_commands, secrets_of
from scripts.cli.commands import register_all
from scripts.cli.output import Output, error_object
from taskhub.secrets import register

register_all()
guard_commands(app)


def _command_of(exc: typer.TyperException) -> str:
    """The command as the boundary names it (`routes list`, not `routes`); a usage error of
    the root itself names what was typed first."""
    names: list[str] = []
    ctx = getattr(exc, "ctx", None)
    while ctx is not None and ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(names) or " ".join(sys.argv[1:2])


def _asks_for_json(args: list[str]) -> bool:
    """`--json` as the caller wrote it, `--json=...` too (a usage error of its own, which the
    caller still reads as JSON); nothing after `--`, which ends the options."""
    options = args[: args.index("--")] if "--" in args else args
    return any(arg == "--json" or arg.startswith("--json=") for arg in options)


def main() -> None:
    """Runs the CLI; a usage error under --json is still one JSON object, and exit 2."""
    register(secrets_of({"argv": sys.argv}, os.environ))
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(130)
    except typer.TyperException as exc:  # a usage error: bad option, unknown command
        text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        error = UsageError(text, fix="see --help")
        if _asks_for_json(sys.argv[1:]):
            Output(as_json=True).json(error_object(_command_of(exc), error))
        else:
            out = Output(as_json=False)
            for line in f"Error: {text}".splitlines():
                out.progress(line)
            out.progress("Try 'durable-deploy --help' for help.")
        # The options were not parsed, so `--ci` is unknown: the CI system is detected.
        Annotator(CiSystem.AUTO).message("error", _command_of(exc), f"cannot decide: {error}")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
