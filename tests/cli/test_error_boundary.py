"""Every command fails the same way: exit 2, one JSON error shape, the CI annotation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperCommand, TyperGroup

from scripts.cli.app import app
from scripts.cli.commands import register_all
from scripts.cli.output import Output
from taskhub.secrets import MASK, redact
from tests.support.helpers import Cli, toolkit_errors

UNSET = "DDZ_TEST_SETTING_NOBODY_SETS"
"""A --connection-setting no environment holds: "cannot decide" before any network call."""
NO_CONNECTION = ("--connection-setting", UNSET)

# Arguments that make each command fail with one of our errors, without Azure or a network.
FAILING: dict[str, tuple[str, ...]] = {
    "lint": ("{empty}",),  # a folder with no function app in it
    "plan": ("--stack", "nosuchstack"),
    "check": ("--stack", "nosuchstack"),
    "versions": ("--hub", "Hub1", *NO_CONNECTION),
    "gate": ("--hub", "Hub1", *NO_CONNECTION),
    "quiesce": ("--function", "Start"),  # no subscription, resource group or app
    "resume": (),
    "swap": (),
    "release": (),
    "replay-check": ("--app-dir", "{empty}", "--hub", "Hub1", *NO_CONNECTION),
    "retire": ("--version", "1.0", "--hub", "Hub1", *NO_CONNECTION),
    "scaffold-version": ("--app-dir", "{empty}", "--module", "flow_v1.py"),
    "routes sync": NO_CONNECTION,
    "routes list": NO_CONNECTION,
    "routes set-current": ("1.1", *NO_CONNECTION),
    "routes ramp": ("1.1", "--percent", "10", *NO_CONNECTION),
    "routes drain": ("1.1", *NO_CONNECTION),
    "routes retire": ("1.1", *NO_CONNECTION),
    "routes ramp-watch": ("1.1", *NO_CONNECTION),
}


def _commands(group: TyperGroup, prefix: str = "") -> Iterator[tuple[str, TyperCommand]]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            assert isinstance(command, TyperCommand)
            yield prefix + name, command


register_all()
ROOT = typer.main.get_group(app)
assert isinstance(ROOT, TyperGroup)
COMMANDS = dict(_commands(ROOT))


def _has_ci(command: str) -> bool:
    return any(p.name == "ci" for p in COMMANDS[command].params)


def _args(command: str, folder: Path) -> list[str]:
    return [*command.split(), *(a.format(empty=folder) for a in FAILING[command])]


def test_every_registered_command_has_a_failing_case() -> None:
    assert set(FAILING) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(FAILING))
def test_a_failure_is_exit_2_with_one_error_object_and_an_annotation(
    cli: Cli, command: str, tmp_path: Path
) -> None:
    ci = ["--ci", "github"] if _has_ci(command) else []
    run = cli(*_args(command, tmp_path), "--json", *ci)
    assert run.code == 2, run.output
    assert "Traceback" not in run.output, run.output
    result: dict[str, Any] = json.loads(run.stdout)  # refuses a second object
    assert result["command"] == command
    error = result["error"]
    assert set(error) == {"type", "kind", "message", "fix"}, error
    assert error["type"] == error["kind"] and error["type"] in toolkit_errors()
    assert error["message"] and error["fix"], error
    if ci:
        annotations = [line for line in run.stderr.splitlines() if line.startswith("::error ")]
        assert len(annotations) == 1, run.stderr
        assert f"::cannot decide: {error['message']}" in annotations[0]


# Those that printed their own error before, and the gate, which still does.
@pytest.mark.parametrize("command", ["plan", "check", "gate", "swap", "routes drain"])
def test_a_failure_in_text_is_the_message_and_the_fix(
    cli: Cli, command: str, tmp_path: Path
) -> None:
    run = cli(*_args(command, tmp_path))
    assert run.code == 2, run.output
    assert "Traceback" not in run.output, run.output
    first, fix = run.stdout.splitlines()[:2]
    assert first.startswith("CANNOT DECIDE  ") and fix.startswith("  fix: "), run.stdout


@pytest.mark.parametrize("command", ["gate", "routes list"])
def test_a_usage_error_has_the_same_shape(cli: Cli, command: str) -> None:
    run = cli(*command.split(), "--no-such-option", "--json")
    assert run.code == 2, run.output
    answer = json.loads(run.stdout)
    assert answer["command"] == command  # as the boundary names it
    error = answer["error"]
    assert error["type"] == error["kind"] == "UsageError" and "--no-such-option" in error["message"]


@pytest.mark.parametrize("spelling", ["--json=1", "--json=true", "--json="])
def test_json_with_a_value_is_still_answered_in_json(cli: Cli, spelling: str) -> None:
    """Click refuses a value for a flag; the caller asked for JSON all the same."""
    run = cli("gate", "--hub", "h", spelling)
    assert run.code == 2, run.output
    answer = json.loads(run.stdout)
    assert answer["command"] == "gate" and answer["error"]["type"] == "UsageError"
    assert "--json" in answer["error"]["message"]


@pytest.mark.parametrize(
    ("variable", "annotation"),
    [("GITHUB_ACTIONS", "::error "), ("TF_BUILD", "##vso[task.logissue")],
)
def test_a_usage_error_is_annotated_on_the_ci_system_it_runs_on(
    cli: Cli, variable: str, annotation: str
) -> None:
    run = cli("gate", "--no-such-option", env={variable: "true"})
    assert run.code == 2
    lines = [line for line in run.stderr.splitlines() if line.startswith(annotation)]
    assert len(lines) == 1 and "--no-such-option" in lines[0], run.stderr
    assert "Try 'durable-deploy --help'" in run.stderr  # the text a person reads is unchanged


def test_a_secret_an_output_learns_is_masked_by_every_later_print() -> None:
    """The boundary prints with an `Output` of its own: a key read from a slot's settings after
    the command started must be masked there as well."""
    secret = "slot-settings-key-" + "x" * 20
    Output(as_json=False).secrets = (secret,)
    assert redact(f"refused with {secret}") == f"refused with {MASK}"
