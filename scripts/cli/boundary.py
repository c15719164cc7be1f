"""The one error boundary every command runs inside.

Whatever a command raises ends the same way: exit 2 ("cannot decide"), one JSON object
under `--json` (`{"command": ..., "error": {"type", "message", "fix"}}`, unless the
command already printed its object) or a one-line message and the fix otherwise, with no
traceback unless `--debug` (or DURABLE_DEPLOY_DEBUG=1) asks for one. A traceback read as
exit 1 by a pipeline would be "not yet", which is a verdict nobody reached.

Before the command runs, the boundary registers every secret in its arguments and in the
environment (keys and SAS signatures, and the strings that hold them) with `redact`, so
nothing printed afterwards, by any road, can show one.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import typer
from azure.core.exceptions import AzureError

from scripts.cli.output import Output, error_json
from scripts.stages.exits import Exit
from taskhub.errors import StoreUnavailableError, TaskHubError
from taskhub.secrets import redact, register, secrets_in

DEBUG_ENV = "DURABLE_DEPLOY_DEBUG"
_debug = [os.environ.get(DEBUG_ENV, "") not in ("", "0")]
Command = Callable[..., Any]


class UnexpectedError(TaskHubError):
    """An exception no stage anticipated: reported, never a verdict."""


def set_debug(on: bool) -> None:
    _debug[0] = _debug[0] or on


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


def as_task_hub_error(exc: Exception) -> TaskHubError:
    """The most specific error of ours for `exc`."""
    if isinstance(exc, TaskHubError):
        return exc
    detail = redact((str(exc).strip() or type(exc).__name__).splitlines()[0])
    if isinstance(exc, AzureError):
        return StoreUnavailableError(
            f"storage failed: {detail}", fix="check the endpoint and network access, then run again"
        )
    return UnexpectedError(
        f"{type(exc).__name__}: {detail}",
        fix=f"run again with --debug (or {DEBUG_ENV}=1) for the traceback, and report it",
    )


def report(command: str, exc: Exception, as_json: bool) -> None:
    """Exactly one JSON object on stdout under --json, else the message and the fix."""
    error = as_task_hub_error(exc)
    if _debug[0]:
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    if as_json and not Output.json_objects_printed:
        Output(as_json=True).json({"command": command, "error": error_json(error)})
        return
    out = Output(as_json=False)
    lines = [f"CANNOT DECIDE  {error.message}"] + ([f"  fix: {error.fix}"] if error.fix else [])
    for line in lines:
        # Under --json, stdout already holds the command's one object: the rest is stderr.
        (out.progress if as_json else out.text)(line)


def guarded(command_name: str, command: Command) -> Command:
    """`command` inside the boundary; typer sees the same signature."""

    @functools.wraps(command)
    def run(**arguments: Any) -> Any:
        register(secrets_of(arguments, os.environ))
        try:
            return command(**arguments)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # an exit code the command chose, or a usage error typer reports
        except Exception as exc:
            report(command_name, exc, bool(arguments.get("json_output")))
            raise typer.Exit(int(Exit.CANNOT_DECIDE)) from None

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
