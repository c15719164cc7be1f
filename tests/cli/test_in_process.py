"""The in-process runner gives each run what a new process starts with, and takes it back.

Without this, one test's run would change what another's shows: a JSON object counted by
an earlier run (the boundary then prints no error object), a secret an earlier run
registered (masking more than the command would), an environment variable or a working
directory left behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from taskhub.secrets import MASK, redact
from tests.support.helpers import Cli

SETTING = "DDZ_IN_PROCESS_TEST_CONNECTION"
KEY = "aW4tcHJvY2Vzcy1ydW5uZXIta2V5LW9mLWEtdGVzdA=="
CONNECTION = f"DefaultEndpointsProtocol=https;AccountName=inprocess;AccountKey={KEY}"


def _no_connection(cli: Cli, *args: str, env: dict[str, str] | None = None) -> dict[str, str]:
    run = cli(
        "versions", "--hub", "Hub1", "--connection-setting", SETTING, *args, "--json", env=env
    )
    assert run.code == 2, run.output
    error: dict[str, str] = json.loads(run.stdout)["error"]
    return error


def test_each_run_prints_its_own_error_object(cli: Cli) -> None:
    first, second = _no_connection(cli), _no_connection(cli)
    assert first == second and SETTING in first["message"]


def test_a_runs_environment_is_its_own_and_gone_after_it(cli: Cli) -> None:
    with_setting = _no_connection(cli, env={SETTING: "not a connection string"})
    assert with_setting != _no_connection(cli)  # the run read the variable it was given
    assert SETTING not in os.environ


def test_a_runs_secrets_are_forgotten_after_it(cli: Cli) -> None:
    run = cli("gate", "--hub", "bad-hub", "--connection-string", CONNECTION)  # no network call
    assert run.code == 2 and "only the letters" in run.stdout, run.output
    assert KEY not in run.output
    assert redact(f"key {KEY}") == f"key {KEY}"  # registered during the run only
    assert redact(f"AccountKey={KEY}") == f"AccountKey={MASK}"  # the pattern still masks


def test_a_run_works_in_the_checkout_and_gives_the_directory_back(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    run = cli("lint", "apps/orders", "--json")  # relative to the checkout, as in a pipeline
    assert run.code == 0, run.output
    assert Path.cwd() == tmp_path
