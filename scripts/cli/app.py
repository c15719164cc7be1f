"""The root `durable-deploy` group; each module of `scripts.cli.commands` adds its command."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from typing import Annotated

import typer

from scripts.cli.boundary import set_debug
from scripts.cli.output import Output

DISTRIBUTION = "durable-zero-downtime"

app = typer.Typer(
    name="durable-deploy",
    help="Zero-downtime release stages for Azure Durable Functions apps. "
    "Exit codes everywhere: 0 yes/safe, 1 not yet, 2 cannot decide.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def toolkit_version() -> str:
    """The installed distribution's version: what a pipeline log should name when it asks."""
    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _print_version(asked: bool) -> None:
    if asked:
        Output(as_json=False).text(f"durable-deploy {toolkit_version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Print the traceback of an unexpected error (stderr)."),
    ] = False,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the toolkit's version and exit.",
        ),
    ] = False,
) -> None:
    """Keeps `durable-deploy <stage>` a group, and takes the options every stage shares."""
    set_debug(debug)
