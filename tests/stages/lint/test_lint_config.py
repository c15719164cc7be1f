"""Config and `# noqa`: which rules run where, read as flake8 reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flake8.defaults import NOQA_INLINE_REGEXP
from flake8.violation import Violation

from scripts.stages.lint import config
from scripts.stages.lint.engine import lint
from scripts.stages.lint.suppression import suppressed
from taskhub.errors import ConfigurationError
from tests.support.lint_support import FIXTURES

LINES = [
    "x()  # noqa",
    "x()  # noqa: DDZ003",
    "x()  # noqa:DDZ003,DDZ005",
    "x()  # NOQA: DDZ0",
    "x()  # noqa: E501 DDZ002",
    "x()  # noqa: ddz003",
    "x()  # noqa : DDZ003",
    "x()  #noqa",
    "x()  # not a noqa",
    "x()",
]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("rule", ["DDZ003", "DDZ002", "DDZ011"])
def test_noqa_is_read_exactly_as_flake8_reads_it(line: str, rule: str) -> None:
    assert NOQA_INLINE_REGEXP.pattern == (
        r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?"
    ), "flake8 changed its noqa expression: update scripts/stages/lint/suppression.py"
    flake8 = Violation(rule, "f.py", 1, 1, "m", line).is_inline_ignored(disable_noqa=False)
    assert suppressed(line, rule) is flake8


def test_select_and_ignore_take_codes_and_prefixes() -> None:
    only = lint([FIXTURES / "helper_chain"], select=["DDZ001"]).findings
    assert {f.rule.id for f in only} == {"DDZ001"}
    ignored = lint([FIXTURES / "helper_chain"], ignore=["DDZ0"]).findings
    assert ignored == []
    longer_wins = lint([FIXTURES / "helper_chain"], select=["DDZ007"], ignore=["DDZ0"]).findings
    assert {f.rule.id for f in longer_wins} == {"DDZ007"}


def test_the_fixture_pyproject_ignores_a_rule_and_a_rule_per_file() -> None:
    settings = config.load(FIXTURES / "config")
    assert settings.ignore == ("DDZ011",)
    assert settings.per_file_ignores == (("legacy/*.py", ("DDZ001",)),)
    legacy = FIXTURES / "config" / "legacy" / "timing.py"
    assert not settings.enabled("DDZ001", legacy) and settings.enabled("DDZ006", legacy)
    assert settings.enabled("DDZ001", FIXTURES / "config" / "function_app.py")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('select = ["DDZ1"]', "'DDZ1' matches no rule"),
        ('ignore = "DDZ011"', "must be a list of codes"),
        ("max-depth = -1", "max-depth must be a whole number"),
        ('per-file-ignores = ["x"]', "per-file-ignores must be a table"),
        ('colour = "red"', "unknown key(s) colour"),
    ],
)
def test_bad_config_is_refused_with_the_key(tmp_path: Path, table: str, says: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[tool.durable-deploy.lint]\n{table}\n")
    with pytest.raises(ConfigurationError) as raised:
        config.load(tmp_path)
    assert says in raised.value.message and str(path) in raised.value.message


def test_without_a_section_every_rule_runs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    settings = config.load(tmp_path / "app")
    assert settings.select == ("DDZ",) and settings.ignore == () and settings.source is None
