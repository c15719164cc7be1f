"""`[tool.durable-deploy.lint]` in pyproject.toml: which rules run where.

```toml
[tool.durable-deploy.lint]
select = ["DDZ"]                       # codes or prefixes, as flake8 reads them
ignore = ["DDZ011"]
max-depth = 5                          # helper calls followed from an orchestrator
[tool.durable-deploy.lint.per-file-ignores]
"legacy/*.py" = ["DDZ009"]
```
The nearest pyproject.toml at or above the app folder is used. An unknown key or a code
that matches no rule is refused (exit 2): a typo must not silently switch a rule off.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from scripts.stages.lint.rules import RULES
from scripts.stages.lint.walk import DEFAULT_DEPTH
from taskhub.errors import ConfigurationError

SECTION = ("tool", "durable-deploy", "lint")
KEYS = frozenset({"select", "ignore", "per-file-ignores", "max-depth"})


def codes(values: Iterable[str], where: str) -> tuple[str, ...]:
    """Validated codes or prefixes (`DDZ0` selects DDZ001-DDZ009)."""
    found = tuple(v.strip().upper() for v in values if v.strip())
    for code in found:
        if not any(rule.startswith(code) for rule in RULES):
            raise ConfigurationError(
                f"{where}: {code!r} matches no rule",
                fix=f"use one of {', '.join(RULES)} (or a prefix such as DDZ)",
            )
    return found


def _matches(rule: str, selected: Sequence[str]) -> str | None:
    return max((c for c in selected if rule.startswith(c)), key=len, default=None)


@dataclass(frozen=True)
class LintConfig:
    select: tuple[str, ...] = ("DDZ",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_depth: int = DEFAULT_DEPTH
    base: Path = field(default_factory=Path.cwd)
    """Where per-file patterns are relative to (the pyproject.toml's folder)."""
    source: Path | None = None

    def enabled(self, rule: str, path: Path) -> bool:
        """The longer matching code wins between select and ignore, as in flake8."""
        ignored = list(self.ignore)
        try:
            relative = path.resolve().relative_to(self.base.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        for pattern, extra in self.per_file_ignores:
            if fnmatch(relative, pattern) or fnmatch(path.name, pattern):
                ignored.extend(extra)
        chosen, dropped = _matches(rule, self.select), _matches(rule, ignored)
        return chosen is not None and (dropped is None or len(chosen) > len(dropped))

    def overridden(
        self,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        max_depth: int | None = None,
    ) -> LintConfig:
        """Command-line options: --select replaces, --ignore adds."""
        return replace(
            self,
            select=codes(select, "--select") if select else self.select,
            ignore=(*self.ignore, *codes(ignore or (), "--ignore")),
            max_depth=self.max_depth if max_depth is None else max_depth,
        )


def _section(path: Path) -> dict[str, Any] | None:
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc}", fix="fix the TOML") from exc
    for key in SECTION:
        data = data.get(key) if isinstance(data, dict) else None
    if data is not None and not isinstance(data, dict):
        raise ConfigurationError(f"{path}: [{'.'.join(SECTION)}] is not a table", fix="")
    return data


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{where} must be a list of codes", fix='e.g. ["DDZ011"]')
    return value


def from_table(table: dict[str, Any], path: Path) -> LintConfig:
    unknown = set(table) - KEYS
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))} in [{'.'.join(SECTION)}]",
            fix=f"use {', '.join(sorted(KEYS))}",
        )
    where = f"{path}: [{'.'.join(SECTION)}]"
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigurationError(f"{where} per-file-ignores must be a table", fix="")
    depth = table.get("max-depth", DEFAULT_DEPTH)
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
        raise ConfigurationError(f"{where} max-depth must be a whole number >= 0", fix="")
    return LintConfig(
        select=codes(_strings(table.get("select", ["DDZ"]), f"{where} select"), where),
        ignore=codes(_strings(table.get("ignore", []), f"{where} ignore"), where),
        per_file_ignores=tuple(
            (pattern, codes(_strings(v, f"{where} {pattern}"), where))
            for pattern, v in per_file.items()
        ),
        max_depth=depth,
        base=path.parent,
        source=path,
    )


def load(start: Path, explicit: Path | None = None) -> LintConfig:
    """The config for an app folder: `explicit`, else the nearest pyproject.toml above it."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigurationError(f"{explicit}: no such file", fix="pass a pyproject.toml")
        return from_table(_section(explicit) or {}, explicit)
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _section(candidate)
            if table is not None:
                return from_table(table, candidate)
    return LintConfig()
