"""The lint fixture apps and what they expect: `# expect: DDZ001` marks each line that must
be reported, so a fixture states its own answer and a test can compare both ways."""

from __future__ import annotations

import re
from pathlib import Path

from scripts.stages.lint.engine import LintReport, app_roots
from scripts.stages.lint.source import python_files

FIXTURES = Path(__file__).resolve().parents[1] / "lint_fixtures"
APPS = sorted(app_roots(FIXTURES))
EXPECT = re.compile(r"expect: (DDZ\d{3}(?:, DDZ\d{3})*)")
Mark = tuple[str, int, str]
"""(file relative to the fixture app, line, rule)."""


def expected(root: Path) -> set[Mark]:
    marks = set()
    for path in python_files(root):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if found := EXPECT.search(line):
                for rule in found.group(1).split(", "):
                    marks.add((path.relative_to(root).as_posix(), number, rule))
    return marks


def reported(report: LintReport, root: Path) -> set[Mark]:
    return {
        (f.path.relative_to(root.resolve()).as_posix(), f.line, f.rule.id) for f in report.findings
    }
