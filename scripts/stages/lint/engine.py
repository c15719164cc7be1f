"""Lint the function apps under some paths: discovery, the walk, config and `# noqa`.

It says "cannot lint" (exit 2) rather than "clean" when it checked nothing: no app under a
path, no orchestrator at all. One app it cannot lint (a module the app imports does not
parse, an orchestrator whose code is not in the app) is reported as such in
`LintReport.failures` and the other apps are still linted and reported, in the same run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.stages.lint import config as lint_config
from scripts.stages.lint.app_model import AppModel, DurableFunction, Kind
from scripts.stages.lint.checks import Hit
from scripts.stages.lint.discovery import discover, is_app_root
from scripts.stages.lint.names import name_judge
from scripts.stages.lint.rules import RULES, Level, Rule, RuleId
from scripts.stages.lint.source import SKIPPED_DIRS
from scripts.stages.lint.suppression import suppressed
from scripts.stages.lint.walk import walk
from taskhub.errors import ConfigurationError, DurableDeployError


@dataclass
class Finding:
    rule: Rule
    path: Path
    line: int
    col: int
    message: str
    orchestrators: list[str]
    chain: tuple[str, ...]

    def relative(self) -> str:
        return os.path.relpath(self.path)

    @property
    def reached(self) -> str:
        """`ProcessOrder` or `ProcessOrder via process_order > settle`."""
        names = ", ".join(self.orchestrators)
        return f"{names} via {' > '.join(self.chain)}" if len(self.chain) > 1 else names

    def json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "level": str(self.rule.level),
            "path": self.relative(),
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "orchestrators": self.orchestrators,
            "chain": list(self.chain),
            "help": self.rule.help_ref,
        }


@dataclass
class AppResult:
    model: AppModel
    findings: list[Finding] = field(default_factory=list)
    suppressed: int = 0
    notes: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "root": os.path.relpath(self.model.root),
            "functions": {
                kind.value: sorted(f.name for f in self.model.of_kind(kind)) for kind in Kind
            },
            "findings": len(self.findings),
            "suppressed": self.suppressed,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class AppFailure:
    """An app the lint could not check: reported, and the run ends with exit 2."""

    root: Path
    error: DurableDeployError


@dataclass
class LintReport:
    apps: list[AppResult]
    failures: list[AppFailure] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for app in self.apps for f in app.findings]

    @property
    def failed(self) -> bool:
        return any(f.rule.level is Level.ERROR for f in self.findings)

    def counts(self) -> dict[str, int]:
        levels = {str(level): 0 for level in Level}
        for finding in self.findings:
            levels[str(finding.rule.level)] += 1
        return levels


def _column(line: str, col: int) -> int:
    """ast counts UTF-8 bytes; people, flake8 output and SARIF count characters."""
    return len(line.encode("utf-8")[: col - 1].decode("utf-8", errors="ignore")) + 1


def _duplicates(app: AppModel) -> list[tuple[DurableFunction, DurableFunction]]:
    """Later registrations of a name another function of the same kind already has.

    The Python worker refuses an app whose function names repeat (azure-functions
    `FunctionRegister.validate_function_names`), and the Durable extension keeps only the
    last function registered under a name (`DurableTaskExtension.RegisterOrchestrator`
    replaces it), names comparing as `FunctionName` does, ignoring case.
    """
    first: dict[tuple[Kind, str], DurableFunction] = {}
    repeated = []
    for function in app.functions:
        if not app.counted(function):
            continue
        key = (function.kind, function.name.lower())
        if key in first:
            repeated.append((function, first[key]))
        else:
            first[key] = function
    return repeated


def _notes(app: AppModel) -> list[str]:
    notes = list(app.notes)
    if app.unnamed:
        notes.append(
            "DDZ008 not checked: function names built at run time at " + ", ".join(app.unnamed)
        )
    if app.dynamic:
        notes.append(
            "imports or blueprint registrations computed at run time at "
            + ", ".join(app.dynamic)
            + ": every module and blueprint is taken as indexed"
        )
    for name in sorted(app.source.unparsed.keys() - app.reached):
        notes.append(f"not imported by the app, so not linted: {app.source.unparsed[name]}")
    return notes


def _refusal(app: AppModel) -> DurableDeployError | None:
    """Why the lint cannot check this app (the host could not load or index it either, or
    an orchestrator's code cannot be found), if it cannot."""
    broken = app.source.broken(app.reached)
    if broken is not None:
        return broken
    if len(app.indexed_apps) > 1 and not app.dynamic:
        return ConfigurationError(
            f"function_app.py holds more than one function app object "
            f"({', '.join(sorted(app.indexed_apps))}): the Python worker refuses to index it "
            '("More than one ... function app instances are defined")',
            fix="keep one DFApp/FunctionApp in function_app.py and register the rest as blueprints",
        )
    if app.unread:
        return ConfigurationError(
            f"orchestrator registration(s) at {', '.join(app.unread)} are not at module level, "
            "so the lint cannot find their code",
            fix="register orchestrators at module level (@app.orchestration_trigger), as the "
            "Functions host indexes them",
        )
    missing = next((o for o in app.of_kind(Kind.ORCHESTRATOR) if o.code is None), None)
    if missing is not None:
        return ConfigurationError(
            f"orchestrator {missing.name} ({missing.where}): its code is not in "
            f"the app folder {app.root}, so it cannot be checked",
            fix="lint the folder that holds the orchestrator's module",
        )
    return None


def lint_app(root: Path, settings: lint_config.LintConfig) -> AppResult:
    app = discover(root)
    refusal = _refusal(app)
    if refusal is not None:
        raise refusal
    result = AppResult(app, notes=_notes(app))
    names = name_judge(app)
    merged: dict[tuple[str, Path, int, int], Finding] = {}

    def report(path: Path, lines: list[str], hit: Hit, by: str, chain: tuple[str, ...]) -> None:
        rule = RULES[hit.rule]
        key = (rule.id, path, hit.line, hit.col)
        if key in merged:
            if by not in merged[key].orchestrators:
                merged[key].orchestrators.append(by)
            return
        if not settings.enabled(rule.id, path):
            return
        text = lines[hit.line - 1] if hit.line <= len(lines) else ""
        if suppressed(text, rule.id):
            result.suppressed += 1
            return
        message = f"{hit.subject} {rule.problem}; {hit.detail or rule.fix}"
        merged[key] = Finding(rule, path, hit.line, _column(text, hit.col), message, [by], chain)

    for orchestrator in app.of_kind(Kind.ORCHESTRATOR):
        walked = walk(app.source, orchestrator, names, settings.max_depth)
        result.notes.extend(f"not followed (max-depth): {chain}" for chain in walked.too_deep)
        for reached in walked.hits:
            module = reached.module
            report(module.path, module.lines, reached.hit, orchestrator.name, reached.chain)
    for again, before in _duplicates(app):
        declared = app.source.module_at(again.path)
        lines = declared.lines if declared else again.path.read_text(errors="replace").splitlines()
        subject = f"{again.kind} {again.name!r}"
        hit = Hit(RuleId.DUPLICATE_NAME, again.line, 1, subject, f"first at {before.where}")
        report(again.path, lines, hit, again.name, ())
    result.findings = sorted(merged.values(), key=lambda f: (str(f.path), f.line, f.col))
    return result


def app_roots(path: Path) -> Iterator[Path]:
    """`path` itself if it is a function app, else the apps below it (not nested)."""
    if is_app_root(path):
        yield path
        return
    for child in sorted(p for p in path.iterdir() if p.is_dir()):
        if child.name not in SKIPPED_DIRS and not child.name.startswith("."):
            yield from app_roots(child)


def app_root_of(file: Path) -> Path | None:
    """The function app a file belongs to: the nearest folder above it that is one."""
    for folder in file.resolve().parents:
        if is_app_root(folder):
            return folder
    return None


def lint(
    paths: Sequence[Path],
    *,
    config_file: Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    max_depth: int | None = None,
) -> LintReport:
    """Lint every app under `paths` in this process; an app that cannot be linted is kept in
    `failures` and does not stop the others. Bad arguments stop the run before any app."""
    lint_config.LintConfig().overridden(select, ignore, max_depth)
    report = LintReport([])
    for path in paths:
        if not path.exists():
            raise ConfigurationError(f"{path}: no such file or folder", fix="check the path")
        roots = list(app_roots(path)) if path.is_dir() else [app_root_of(path) or path.parent]
        if not roots:
            raise ConfigurationError(
                f"{path}: no function app in it (no function_app.py or <function>/function.json)",
                fix="point at the app's folder",
            )
        for root in roots:
            try:
                settings = lint_config.load(root, config_file).overridden(select, ignore, max_depth)
                report.apps.append(lint_app(root, settings))
            except DurableDeployError as exc:
                report.failures.append(AppFailure(root, exc))
    if not report.failures and not any(a.model.of_kind(Kind.ORCHESTRATOR) for a in report.apps):
        raise ConfigurationError(
            f"no orchestrator found under {', '.join(map(str, paths))}: nothing was checked",
            fix="point at the function app that defines the orchestrators",
        )
    return report
