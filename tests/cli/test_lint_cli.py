"""`durable-deploy lint` as a pipeline runs it: exit codes, text, one JSON object, annotations."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import Cli
from tests.lint_support import FIXTURES

WALL_CLOCK = FIXTURES / "ddz001" / "finding"


def test_a_clean_app_exits_0_and_says_what_it_checked(cli: Cli) -> None:
    run = cli("lint", "apps/orders")
    assert run.code == 0, run.output
    assert "CLEAN  0 error(s), 0 warning(s), 0 note(s) in 1 app(s), 6 durable function(s)" in (
        run.stdout
    )


def test_error_findings_exit_1_with_file_line_col_rule_and_orchestrator(cli: Cli) -> None:
    run = cli("lint", str(WALL_CLOCK))
    assert run.code == 1, run.output
    first = run.stdout.splitlines()[0]
    assert first.startswith(f"{WALL_CLOCK.relative_to(Path.cwd())}/function_app.py:12:15: DDZ001")
    assert "use context.current_utc_datetime" in first and first.endswith("(in orchestrator)")


def test_warnings_and_notes_alone_exit_0(cli: Cli) -> None:
    run = cli("lint", str(FIXTURES / "ddz009/finding"), str(FIXTURES / "ddz011/finding"))
    assert run.code == 0, run.output
    assert "DDZ009 [warning]" in run.stdout and "DDZ011 [note]" in run.stdout


def test_json_is_one_object_with_every_finding(cli: Cli) -> None:
    run = cli("lint", str(WALL_CLOCK), str(FIXTURES / "helper_chain"), "--json")
    assert run.code == 1
    payload = json.loads(run.stdout)
    assert payload["exit_code"] == 1 and payload["counts"]["error"] == 7
    chained = next(f for f in payload["findings"] if f["path"].endswith("clock.py"))
    assert chained["chain"] == ["process", "plan", "now_iso"]
    assert chained["help"] == "docs/lint.md#ddz001-wall-clock"


def test_a_syntax_error_in_an_imported_module_exits_2_naming_the_file_and_line(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.durable_functions as df\nimport helpers\n"
    )
    (tmp_path / "helpers.py").write_text("def ok():\n    return 1\n\ndef broken(:\n")
    run = cli("lint", str(tmp_path), "--json")
    assert run.code == 2
    error = json.loads(run.stdout)["error"]
    assert f"{tmp_path / 'helpers.py'}:4:" in error["message"] and error["fix"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--select", "DDZ99", "apps/orders"], "'DDZ99' matches no rule"),
        (["does/not/exist"], "no such file or folder"),
        (["apps/router"], "no orchestrator found"),
        (["bench"], "no function app in it"),
        (["--max-depth", "-1", "apps/orders"], "--max-depth"),
    ],
)
def test_bad_arguments_exit_2(cli: Cli, args: list[str], says: str) -> None:
    run = cli("lint", *args)
    assert run.code == 2 and says in run.output, run.output


def test_bad_config_exits_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.durable-deploy.lint]\nignor = ["DDZ011"]\n')
    run = cli("lint", "apps/orders", "--config", str(tmp_path / "pyproject.toml"))
    assert run.code == 2 and "unknown key(s) ignor" in run.output


def test_an_orchestrator_whose_code_is_elsewhere_is_not_called_clean(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.durable_functions as df\n"
        "from shared.flows import run\n"
        "app = df.DFApp()\n"
        "app.orchestration_trigger(context_name='context')(run)\n"
    )
    run = cli("lint", str(tmp_path))
    assert run.code == 2 and "its code is not in the app folder" in run.output


def test_github_annotations_carry_file_line_and_column(cli: Cli) -> None:
    run = cli("lint", str(WALL_CLOCK), "--ci", "github")
    relative = f"{WALL_CLOCK.relative_to(Path.cwd())}/function_app.py"
    assert f"::error file={relative},line=12,col=15,title=DDZ001 wall clock::" in run.stderr


def test_azure_pipelines_issues_carry_source_path_and_line(cli: Cli) -> None:
    run = cli("lint", str(FIXTURES / "ddz009/finding"), "--ci", "azure-devops")
    relative = f"{(FIXTURES / 'ddz009/finding').relative_to(Path.cwd())}/function_app.py"
    assert (
        f"##vso[task.logissue type=warning;sourcepath={relative};linenumber=11;columnnumber=5]"
        in run.stderr
    )


def test_an_orchestrator_registered_inside_a_function_is_not_called_clean(
    cli: Cli,
    tmp_path: Path,
) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.durable_functions as df\n"
        "def create_app():\n"
        "    app = df.DFApp()\n"
        "    @app.orchestration_trigger(context_name='context')\n"
        "    def run(context):\n"
        "        yield context.call_activity('Work', None)\n"
        "    return app\n"
    )
    run = cli("lint", str(tmp_path))
    assert run.code == 2 and "are not at module level" in run.output, run.output
    assert "function_app.py:4" in run.output


def test_an_app_that_cannot_be_linted_exits_2_and_every_other_app_is_reported(
    cli: Cli, tmp_path: Path
) -> None:
    shutil.copytree(WALL_CLOCK, tmp_path / "a_clock")
    (tmp_path / "b_broken").mkdir()
    (tmp_path / "b_broken" / "function_app.py").write_text("import helpers\n")
    (tmp_path / "b_broken" / "helpers.py").write_text("def broken(:\n")
    shutil.copytree(FIXTURES / "ddz011" / "finding", tmp_path / "c_logs")
    text = cli("lint", str(tmp_path))
    assert text.code == 2, text.output
    assert "DDZ001 [error]" in text.stdout and "DDZ011 [note]" in text.stdout
    assert "helpers.py:1:" in text.stdout and "CANNOT LINT 1 app(s)" in text.stdout
    run = cli("lint", str(tmp_path), "--json")
    payload = json.loads(run.stdout)
    assert run.code == 2 and payload["exit_code"] == 2
    assert [f["root"] for f in payload["failures"]] == [os.path.relpath(tmp_path / "b_broken")]
    assert payload["error"]["type"] == "ConfigurationError" and payload["error"]["fix"]
    assert {f["rule"] for f in payload["findings"]} == {"DDZ001", "DDZ011"}
    assert len(payload["apps"]) == 2
