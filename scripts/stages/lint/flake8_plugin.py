"""The rules as a flake8 plugin (entry point `DDZ` in group `flake8.extension`).

flake8 hands over one file at a time, but whether a function is an orchestrator, and what
a helper is reached from, is a property of the whole app. So the plugin lints the app the
file belongs to (once per process, then cached) with the same engine and pyproject.toml
config as `durable-deploy lint`, and reports that file's findings. flake8 applies its own
`# noqa` handling on top, with the same regular expression.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from scripts.stages.lint import config
from scripts.stages.lint.engine import AppResult, app_root_of, lint_app
from taskhub.errors import DurableDeployError

CANNOT_LINT = "DDZ000"


@lru_cache(maxsize=16)
def _app(root: Path) -> AppResult | DurableDeployError:
    try:
        return lint_app(root, config.load(root))
    except DurableDeployError as exc:
        return exc


class DurableDeployChecker:
    name = "durable-deploy"
    version = "0.1.0"

    def __init__(self, tree: ast.AST, filename: str) -> None:
        self.filename = Path(filename)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        root = app_root_of(self.filename)
        if root is None:
            return
        result = _app(root)
        if isinstance(result, DurableDeployError):
            yield 1, 0, f"{CANNOT_LINT} durable-deploy lint cannot run: {result}", type(self)
            return
        here = self.filename.resolve()
        for finding in result.findings:
            if finding.path == here:
                yield (
                    finding.line,
                    finding.col - 1,
                    f"{finding.rule.id} {finding.message}",
                    type(self),
                )
