"""Re-measure the lint's precision and recall on the corpus of public apps.

    python tests/stages/lint/corpus/measure.py CORPUS [--unjudged FILE]

CORPUS holds each repository of `manifest.toml` at its pinned commit as `<owner>+<name>/`.
Every app folder of one repository is linted in one `lint()` call, as a user would run it
over the repository. Each finding is looked up in `judgements.tsv` (one line per finding or
hazard ever seen: repository, path, line, rule, true/false, why, written by reading the
code). Precision counts the findings judged true; recall counts the hazards judged true,
reported or not, so a hazard the lint misses stays in the denominator. A finding nobody has
judged is listed (and written to `--unjudged`) and makes the exit code 1: numbers over
unread findings would be guesses.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))

from scripts.stages.lint.engine import Finding, lint  # noqa: E402
from scripts.stages.lint.rules import CATALOGUE, Level  # noqa: E402
from taskhub.errors import DurableDeployError  # noqa: E402

Key = tuple[str, str, int, str]
"""(repository, path in it, line, rule)."""
LEVELS = {str(rule.id): rule.level for rule in CATALOGUE}


@dataclass(frozen=True)
class Judgement:
    true: bool
    why: str


def judgements(path: Path) -> dict[Key, Judgement]:
    found: dict[Key, Judgement] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            key = (row["repo"], row["path"], int(row["line"]), row["rule"])
            if key in found:
                raise SystemExit(f"{path}: {key} judged twice")
            if row["verdict"] not in ("true", "false"):
                raise SystemExit(f"{path}: {key}: verdict must be true or false")
            found[key] = Judgement(row["verdict"] == "true", row["why"])
    return found


def run(corpus: Path, manifest: Path) -> tuple[set[Key], list[str], float]:
    """Every finding over the corpus, the apps that could not be linted, the seconds taken."""
    repos = tomllib.loads(manifest.read_text(encoding="utf-8"))["repo"]
    reported: set[Key] = set()
    failed: list[str] = []
    took = 0.0
    for repo in repos:
        tree = corpus / repo["name"].replace("/", "+")
        if not tree.is_dir():
            raise SystemExit(f"{tree}: missing; fetch {repo['name']} at {repo['commit']}")
        started = time.perf_counter()
        for finding in _lint_repo(tree, repo["apps"], failed, repo["name"]):
            path = finding.path.resolve().relative_to(tree.resolve()).as_posix()
            reported.add((repo["name"], path, finding.line, str(finding.rule.id)))
        took += time.perf_counter() - started
    return reported, failed, took


def _lint_repo(tree: Path, apps: list[str], failed: list[str], name: str) -> list[Finding]:
    """All app folders in one `lint()`; app by app only for a lint that stops at the first
    app it cannot lint (the baseline did), so the same script measures both."""
    folders = [tree / app for app in apps]
    try:
        report = lint(folders)
    except DurableDeployError:
        findings: list[Finding] = []
        for app, folder in zip(apps, folders, strict=True):
            try:
                findings.extend(lint([folder]).findings)
            except DurableDeployError as exc:
                failed.append(f"{name}/{app}: {exc}")
        return findings
    failed.extend(f"{name}: {f.root}: {f.error}" for f in getattr(report, "failures", []))
    return report.findings


def _selects(row: str) -> Callable[[Key], bool]:
    if row == "all":
        return lambda key: True
    if row == "error level":
        return lambda key: LEVELS[key[3]] is Level.ERROR
    return lambda key: key[3] == row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--unjudged", type=Path, help="write unjudged findings here (TSV)")
    args = parser.parse_args()
    judged = judgements(HERE / "judgements.tsv")
    reported, failed, took = run(args.corpus, HERE / "manifest.toml")
    unjudged = sorted(reported - set(judged))
    hazards = {key for key, j in judged.items() if j.true}
    print(f"{len(reported)} findings, {len(failed)} app(s) not linted, lint took {took:.2f} s")
    for line in failed:
        print(f"  not linted: {line}")
    rows = []
    for rule in [*sorted(LEVELS), "all", "error level"]:
        chosen = _selects(rule)
        mine = {k for k in reported if chosen(k) and k in judged}
        true = sum(judged[k].true for k in mine)
        found = {k for k in hazards if chosen(k)}
        rows.append((rule, len(mine), true, len(found), len(found & reported)))
    print(f"{'rule':<12}{'findings':>9}{'true':>6}{'precision':>11}{'hazards':>9}{'recall':>8}")
    for rule, count, true, total, caught in rows:
        precision = f"{true / count:.0%}" if count else "-"
        recall = f"{caught / total:.0%}" if total else "-"
        print(f"{rule:<12}{count:>9}{true:>6}{precision:>11}{total:>9}{recall:>8}")
    missed = Counter(k[3] for k in hazards - reported)
    if missed:
        print("missed hazards: " + ", ".join(f"{r} {n}" for r, n in sorted(missed.items())))
    if unjudged:
        print(f"{len(unjudged)} finding(s) not judged yet:")
        for key in unjudged:
            print("  " + "\t".join(map(str, key)))
        if args.unjudged:
            args.unjudged.write_text(
                "".join("\t".join(map(str, key)) + "\t\t\n" for key in unjudged), encoding="utf-8"
            )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
