"""The pipeline templates users copy: valid YAML, and every `durable-deploy` line still parses.

Each command line is run with `--help` appended: click rejects an unknown option or
sub-command before it prints help, so a renamed option breaks this test, not a user's
release.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.checkout import ROOT
from tests.support.helpers import Cli

TEMPLATES = sorted((ROOT / "pipelines").glob("*/*.yml"))


def _scripts(node: Any) -> list[str]:
    """Every shell script in a workflow or pipeline: `run`, `script`, `inlineScript`."""
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("run", "script", "inlineScript")]
        return [s for s in found if isinstance(s, str)] + [
            s for v in node.values() for s in _scripts(v)
        ]
    if isinstance(node, list):
        return [s for v in node for s in _scripts(v)]
    return []


def command_lines(path: Path) -> list[list[str]]:
    commands = []
    for script in _scripts(yaml.safe_load(path.read_text())):
        joined = script.replace("\\\n", " ")
        for line in joined.splitlines():
            words = shlex.split(line.split(" > ")[0].split(" >> ")[0])
            if words[:1] == ["durable-deploy"]:
                commands.append(words[1:])
    return commands


def test_there_are_templates_for_both_ci_systems_and_strategies() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in TEMPLATES}
    assert names == {
        f"{ci}/release-{strategy}.yml"
        for ci in ("github-actions", "azure-pipelines")
        for strategy in ("slots", "routing", "versioning")
    }


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_command_line_parses(cli: Cli, template: Path) -> None:
    commands = command_lines(template)
    assert commands, f"{template} runs no durable-deploy stage"
    text = template.read_text()
    assert "--policy-pack policies" in text, "infrastructure goes through the policy pack"
    for words in commands:
        run = cli(*words, "--help")
        assert run.code == 0, f"{template.name}: durable-deploy {' '.join(words)}\n{run.output}"
        assert "Usage:" in run.stdout


def test_the_templates_check_replays_before_code_moves() -> None:
    for ci in ("github-actions", "azure-pipelines"):
        slots = command_lines(ROOT / f"pipelines/{ci}/release-slots.yml")
        release = next(words for words in slots if words[0] == "release")
        assert "--replay-app-dir" in release and "--quiesce" in release
        assert any(words[0] == "swap" for words in slots)
        routing = command_lines(ROOT / f"pipelines/{ci}/release-routing.yml")
        assert routing[0][0] == "replay-check", "before the code deploys in place"


def test_a_renamed_option_would_be_caught(cli: Cli) -> None:
    assert cli("release", "--quiesce-function", "X", "--help").code == 2


def _steps_text(path: Path) -> list[str]:
    """Each step of a workflow or pipeline as its YAML text, in order."""
    document = yaml.safe_load(path.read_text())
    if "jobs" in document:
        steps = document["jobs"]["release"]["steps"]
    else:
        (stage,) = document["stages"]
        steps = stage["jobs"][0]["strategy"]["runOnce"]["deploy"]["steps"]
    return [yaml.safe_dump(step) for step in steps]


@pytest.mark.parametrize(
    ("ci", "deploy_step"),
    [("github-actions", "Azure/functions-action@v1"), ("azure-pipelines", "AzureFunctionApp@2")],
)
def test_the_versioning_path_checks_before_and_follows_after_the_platform_deploy(
    ci: str, deploy_step: str
) -> None:
    path = ROOT / f"pipelines/{ci}/release-versioning.yml"
    stages = [words[0] for words in command_lines(path)]
    assert stages == ["lint", "replay-check", "versions", "versions", "retire"]
    _, replay, rollout, watch, retire = command_lines(path)
    assert "--slot" in replay and replay[replay.index("--slot") + 1] == "production"
    assert "--worker-version" in rollout and "--watch" not in rollout
    assert "--watch" in watch and "--until-drained" in watch
    assert "--record" in retire
    steps = _steps_text(path)
    deploy = next(i for i, text in enumerate(steps) if deploy_step in text)
    assert any("--worker-version" in text for text in steps[:deploy])
    assert any("--until-drained" in text for text in steps[deploy + 1 :])
    assert "isFlexConsumption: true" in steps[deploy] or ci == "github-actions"


@pytest.mark.parametrize("flow", ["slots", "versioning"])
def test_the_templates_lint_first_and_github_uploads_the_sarif(flow: str) -> None:
    for ci in ("github-actions", "azure-pipelines"):
        first = command_lines(ROOT / f"pipelines/{ci}/release-{flow}.yml")[0]
        assert first[:2] == ["lint", "apps/orders"] and "--sarif" in first
    github = (ROOT / f"pipelines/github-actions/release-{flow}.yml").read_text()
    assert "github/codeql-action/upload-sarif@v3" in github and "security-events: write" in github
