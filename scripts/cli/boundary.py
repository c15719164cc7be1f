"""The one error boundary every command runs inside.

Whatever a command raises ends the same way: exit 2 ("cannot decide"), one JSON object
under `--json` (`{"command": ..., "error": {"type", "message", "fix"}}`, unless the
command already printed its object) or a one-line message and the fix otherwise, an error
annotation for the command's `--ci` system, and no traceback unless `--debug` (or
DURABLE_DEPLOY_DEBUG=1) asks for one. A traceback read as exit 1 by a pipeline would be "not
yet", which is a verdict nobody reached. Commands therefore catch only what they turn into
their own answer (the gate's payload, a swap's "not swapped"); everything else is ours.

Before the command runs, the boundary registers every secret in its arguments and in the
environment (keys and SAS signatures, and the strings that hold them) with `redact`, so
nothing printed afterwards, by any road, can show one.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import typer
from azure.core.exceptions import AzureError

from scripts.cli.annotations import Annotator, CiSystem
from scripts.cli.output import Output, error_object
from scripts.cli.streams import answers_only
from scripts.stages.exits import Exit
from taskhub.errors import DurableDeployError, StoreUnavailableError, first_line
from taskhub.secrets import redact, register, secrets_in

DEBUG_ENV = "DURABLE_DEPLOY_DEBUG"
_debug = [False]
Command = Callable[..., Any]


class UnexpectedError(DurableDeployError):
    """An exception no stage anticipated: reported, never a verdict."""


class UsageError(DurableDeployError):
    """A bad option, argument or command, as typer reports it (main.py, before any command)."""


def reset_debug() -> None:
    """Debug as a new process starts it, from DURABLE_DEPLOY_DEBUG alone: at import, and
    for a host that runs several commands in one process (the test suite runs
    `durable-deploy` in process), before each."""
    _debug[0] = os.environ.get(DEBUG_ENV, "") not in ("", "0")


reset_debug()


def set_debug(on: bool) -> None:
    _debug[0] = _debug[0] or on


def debug_traceback(exc: BaseException) -> None:
    """The traceback on stderr, secrets masked, when --debug (or DURABLE_DEPLOY_DEBUG) asks;
    line by line, so a message quoting row data cannot start a line of its own."""
    if _debug[0]:
        out = Output(as_json=False)
        for line in "".join(traceback.format_exception(exc)).splitlines():
            out.progress(line)


def secrets_of(arguments: Mapping[str, Any], environ: Mapping[str, str]) -> list[str]:
    """Secrets in a command's arguments and anywhere in the environment: connection strings
    travel in variables (DURABLE_DEPLOY_CONNECTION_STRING, the setting a
    `--connection-setting` names)."""
    texts: list[str] = list(environ.values())
    for value in arguments.values():
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list | tuple):
            texts += [v for v in value if isinstance(v, str)]
    return [secret for text in texts for secret in secrets_in(text)]


def as_toolkit_error(exc: Exception) -> DurableDeployError:
    """The most specific error of ours for `exc`."""
    if isinstance(exc, DurableDeployError):
        return exc
    detail = redact(first_line(exc))
    if isinstance(exc, AzureError):
        return StoreUnavailableError(
            f"storage failed: {detail}", fix="check the endpoint and network access, then run again"
        )
    return UnexpectedError(
        f"{type(exc).__name__}: {detail}",
        fix=f"run again with --debug (or {DEBUG_ENV}=1) for the traceback, and report it",
    )


def report(command: str, error: DurableDeployError, *, as_json: bool, ci: CiSystem) -> None:
    """Exactly one JSON object on stdout under --json, else the message and the fix; and the
    error annotation."""
    if as_json and not Output.json_objects_printed:
        Output(as_json=True).json(error_object(command, error))
    else:
        Output(as_json=False).cannot_decide(error, on_stderr=as_json)
    Annotator(ci).message("error", command, f"cannot decide: {error}")


@contextmanager
def error_boundary(command: str, *, as_json: bool, ci: CiSystem = CiSystem.NONE) -> Iterator[None]:
    """Maps whatever the block raises, ours or not, to `report` and exit 2 (as httpx's
    `map_httpcore_exceptions` maps foreign errors to its own)."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise  # an exit code the command chose, or a usage error typer reports
    except Exception as exc:
        debug_traceback(exc)
        report(command, as_toolkit_error(exc), as_json=as_json, ci=ci)
        raise typer.Exit(int(Exit.CANNOT_DECIDE)) from None


def guarded(command_name: str, command: Command) -> Command:
    """`command` inside the boundary, with only `Output` on stdout (`answers_only`); typer
    sees the same signature. A command without a `--ci` option (plan, check,
    scaffold-version) annotates nothing, as it never did."""

    @functools.wraps(command)
    def run(**arguments: Any) -> Any:
        register(secrets_of(arguments, os.environ))
        ci = arguments.get("ci")
        with (
            answers_only(),
            error_boundary(
                command_name,
                as_json=bool(arguments.get("json_output")),
                ci=ci if isinstance(ci, CiSystem) else CiSystem.NONE,
            ),
        ):
            return command(**arguments)

    return run


def guard_commands(app: typer.Typer, prefix: str = "") -> None:
    """Puts every command of `app` and of its sub-groups inside the boundary."""
    for info in app.registered_commands:
        assert info.callback is not None
        name = prefix + (info.name or info.callback.__name__.replace("_", "-"))
        info.callback = guarded(name, info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance, f"{prefix}{group.name} ")
