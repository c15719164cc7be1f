"""`durable-deploy lint`: orchestrator code that cannot replay, before it ships."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem, SourceLocation
from scripts.cli.annotations import Level as CiLevel
from scripts.cli.app import app
from scripts.cli.output import JsonOption, Output, error_json
from scripts.stages.exits import Exit
from scripts.stages.lint.engine import LintReport, lint
from scripts.stages.lint.rules import Level
from scripts.stages.lint.sarif import to_sarif
from taskhub.errors import ConfigurationError

CI_LEVELS: dict[Level, CiLevel] = {
    Level.ERROR: "error",
    Level.WARNING: "warning",
    Level.NOTE: "notice",
}


def _split(values: list[str] | None) -> list[str] | None:
    return [v for value in values for v in value.split(",")] if values else None


@app.command("lint")
def lint_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            show_default=False,
            help="Function app folders (with host.json or function_app.py), or folders "
            "holding several; default: the current folder.",
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CODES",
            help="Only these rules (codes or prefixes, comma-separated; repeatable).",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CODES", help="Also skip these rules (codes or prefixes; repeatable)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="pyproject.toml to read (default: the nearest above each app)."),
    ] = None,
    max_depth: Annotated[
        int | None,
        typer.Option(min=0, help="Helper calls followed from an orchestrator (default 5)."),
    ] = None,
    sarif: Annotated[
        Path | None,
        typer.Option(help="Also write SARIF 2.1.0 here, for code scanning upload."),
    ] = None,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Check the orchestrators of Python Durable Functions apps for code that cannot replay (the
    wall clock, random ids, sleeping, threads and async, I/O, the environment, durable calls
    never yielded, unknown function names, unbounded loops, module state written, logging during
    replay, duplicate function names), without importing the app. Helpers an orchestrator
    calls in the app's own modules are followed (--max-depth). Rules DDZ001-DDZ012 are in
    docs/lint.md; `# noqa: DDZ003` silences one on a line; [tool.durable-deploy.lint] in
    pyproject.toml selects, ignores and ignores per file.

    Exit codes: 0 no error-level finding (warnings and notes allowed); 1 error-level findings; 2
    cannot lint (bad arguments, no orchestrator found, or an app whose imported module does not
    parse or whose config is bad: the other apps are still linted and reported).
    """
    out, annotator = Output(as_json=json_output), Annotator(ci)
    report = lint(
        paths or [Path(".")],
        config_file=config,
        select=_split(select),
        ignore=_split(ignore),
        max_depth=max_depth,
    )
    if sarif is not None:
        _write(sarif, to_sarif(report))
    exit_code = (
        Exit.CANNOT_DECIDE if report.failures else Exit.NOT_YET if report.failed else Exit.OK
    )
    if out.as_json:
        out.json(_payload(report, exit_code, sarif))
    else:
        _render(out, report)
    for finding in report.findings:
        annotator.message(
            CI_LEVELS[finding.rule.level],
            f"{finding.rule.id} {finding.rule.title}",
            f"{finding.message} (reached from {finding.reached})",
            where=SourceLocation(finding.relative(), finding.line, finding.col),
        )
    for failure in report.failures:
        annotator.message("error", "cannot lint", f"{failure.root}: {failure.error}")
    annotator.outputs({"lint_findings": str(len(report.findings))})
    raise typer.Exit(int(exit_code))


def _write(path: Path, payload: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot write SARIF: {exc}", fix="") from exc


def _payload(report: LintReport, exit_code: Exit, sarif: Path | None) -> dict[str, Any]:
    """One object; an app that could not be linted is in `failures`, the first one also in
    `error`, the shape every command's "cannot decide" has."""
    failures = [
        {"root": os.path.relpath(f.root), "error": error_json(f.error)} for f in report.failures
    ]
    return {
        "command": "lint",
        "exit_code": int(exit_code),
        "counts": report.counts(),
        "apps": [app.json() for app in report.apps],
        "findings": [f.json() for f in report.findings],
        "sarif": str(sarif) if sarif else None,
        "failures": failures,
        **({"error": failures[0]["error"]} if failures else {}),
    }


def _render(out: Output, report: LintReport) -> None:
    styles = {Level.ERROR: "red", Level.WARNING: "yellow", Level.NOTE: "dim"}
    for finding in report.findings:
        out.text(
            f"{finding.relative()}:{finding.line}:{finding.col}: {finding.rule.id} "
            f"[{finding.rule.level}] {finding.message}  (in {finding.reached})",
            style=styles[finding.rule.level],
        )
    for linted in report.apps:
        for note in linted.notes:
            out.text(f"note: {note}", style="dim")
    counts = report.counts()
    checked = sum(len(a.model.functions) for a in report.apps)
    summary = (
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s) "
        f"in {len(report.apps)} app(s), {checked} durable function(s)"
    )
    for failure in report.failures:
        out.cannot_decide(failure.error)
    if report.failures:
        out.text(f"CANNOT LINT {len(report.failures)} app(s); {summary}", style="bold red")
    elif report.failed:
        out.text(f"NOT DETERMINISTIC  {summary}", style="bold red")
    else:
        out.text(f"CLEAN  {summary}", style="bold green")
