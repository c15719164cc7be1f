"""The templates pass every value to scripts through the environment.

Azure Pipelines pastes a `$(variable)` macro's value into a script's text before the shell
reads it, and a `${{ }}` template expression at compile time; GitHub Actions pastes `${{ }}`
into `run:` the same way. A value a step before could set (`##vso[task.setvariable]` printed
from row data) or a run's input then runs as shell code. So a script holds no macro and no
expression, values arrive as environment variables, and Azure Pipelines steps that run
`durable-deploy` (whose output carries data read from storage) declare
`target: { commands: restricted }` (learn.microsoft.com azure/devops/pipelines/yaml-schema/
target; microsoft/azure-pipelines-yaml design/step-target-restricted-mode.md).

The last test runs every script under bash with each variable, parameter and input set to
a value that closes a quote and runs a command, after expanding macros and expressions the
way each CI system does: the command must never run.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.checkout import ROOT

AZURE = sorted((ROOT / "pipelines/azure-pipelines").glob("*.yml"))
GITHUB = sorted((ROOT / "pipelines/github-actions").glob("*.yml"))
SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
# `$(name)`: an Azure Pipelines macro (a shell command substitution holds a space or more).
MACRO = re.compile(r"\$\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
HOSTILE = '1.0"; touch pwned; echo "'


def azure_steps(node: Any) -> Iterator[dict[str, Any]]:
    """Every step of an Azure Pipelines file, inside `${{ if }}` insertions too."""
    if isinstance(node, dict):
        if any(k in node for k in ("task", *SCRIPT_KEYS)):
            yield node
        for value in node.values():
            yield from azure_steps(value)
    elif isinstance(node, list):
        for value in node:
            yield from azure_steps(value)


def azure_script(step: dict[str, Any]) -> str | None:
    for key in SCRIPT_KEYS:
        if isinstance(step.get(key), str):
            return str(step[key])
    inline = (step.get("inputs") or {}).get("inlineScript")
    return inline if isinstance(inline, str) else None


def github_steps(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in document["jobs"].values():
        yield from job["steps"]


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


@pytest.mark.parametrize("path", AZURE, ids=lambda p: p.name)
def test_azure_scripts_hold_no_macro_or_expression(path: Path) -> None:
    scripts = [s for step in azure_steps(load(path)) if (s := azure_script(step))]
    assert scripts
    for script in scripts:
        assert not MACRO.search(script), f"{path.name}: a macro in\n{script}"
        assert "${{" not in script, f"{path.name}: an expression in\n{script}"


@pytest.mark.parametrize("path", AZURE, ids=lambda p: p.name)
def test_azure_steps_running_the_cli_process_only_restricted_commands(path: Path) -> None:
    running = [
        step
        for step in azure_steps(load(path))
        if "durable-deploy " in (azure_script(step) or "")
        and "pip install" not in (azure_script(step) or "")
    ]
    assert running
    for step in running:
        assert (step.get("target") or {}).get("commands") == "restricted", step["displayName"]


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_github_run_scripts_hold_no_expression(path: Path) -> None:
    scripts = [step["run"] for step in github_steps(load(path)) if "run" in step]
    assert scripts
    for script in scripts:
        assert "${{" not in script, f"{path.name}: an expression in\n{script}"


def stubs(folder: Path) -> Path:
    """Commands the scripts call, each recording nothing and succeeding; `jq` prints a name."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for name in ("durable-deploy", "az", "pulumi", "zip", "curl", "pip", "jq"):
        tool = bin_dir / name
        tool.write_text("#!/bin/sh\n" + ("echo orders-v2\n" if name == "jq" else "") + "exit 0\n")
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    (folder / "apps/orders").mkdir(parents=True)
    return bin_dir


def expand(text: str, values: dict[str, str]) -> str:
    """What each CI system does to a script or env value before the shell sees it."""
    text = EXPRESSION.sub(lambda m: values.get(m[1].split(".")[-1], HOSTILE), text)
    return MACRO.sub(lambda m: values.get(m[1], m[0]), text)


def run_script(script: str, env: dict[str, str], folder: Path, bin_dir: Path) -> None:
    subprocess.run(
        ["bash", "-c", script],
        cwd=folder,
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(folder), **env},
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("path", [*AZURE, *GITHUB], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_value_runs_as_shell_code(path: Path, tmp_path: Path) -> None:
    bin_dir = stubs(tmp_path)
    document = load(path)
    names = set(MACRO.findall(path.read_text())) | {
        m.split(".")[-1] for m in EXPRESSION.findall(path.read_text())
    }
    values = dict.fromkeys(names, HOSTILE)
    if path in AZURE:
        steps = [(azure_script(s), s.get("env") or {}) for s in azure_steps(document)]
    else:
        workflow_env = document.get("env") or {}
        steps = [
            (s.get("run"), {**workflow_env, **(s.get("env") or {})}) for s in github_steps(document)
        ]
        values.update({k: expand(str(v), values) for k, v in workflow_env.items()})
    ran = 0
    for script, env in steps:
        if script is None:
            continue
        run_script(
            expand(script, values),
            {k: expand(str(v), values) for k, v in env.items()},
            tmp_path,
            bin_dir,
        )
        ran += 1
    assert ran >= 3
    assert not (tmp_path / "pwned").exists(), f"{path.name}: a value ran as a command"
