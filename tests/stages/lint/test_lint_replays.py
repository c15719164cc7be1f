"""The lint's verdicts about what repeats, held against the real SDK: each orchestrator of
the `replay/` fixture apps is run episode by episode through azure-functions-durable
(`sdk_episodes`), and a line that logs, reads the clock or does I/O is reported exactly
when the SDK runs it in more than one episode; a loop is reported unbounded exactly when
the orchestration does not end while everything it polls says "not yet"."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scripts.stages.lint.checks import QUIETED
from scripts.stages.lint.engine import lint
from scripts.stages.lint.rules import RuleId
from tests.stages.lint.sdk_episodes import drive, orchestrators
from tests.support.lint_support import APPS, FIXTURES, expected

REPLAY = FIXTURES / "replay"
REPEATS = [
    root
    for root in APPS
    if root.parent.name in ("early_exit_guards", "except_cannot_continue", "finally_each_episode")
]
LOOPS = [root for root in APPS if root.parent.name == "loop_exits"]
LOGS = re.compile(r"\b(logging|log|print)\b\s*[.(]")
LONGEST = 30
"""Episodes the longest bounded loop of loop_exits/clean runs: 30 minutes of one-minute
episodes before its deadline."""
ITEMS = ["readable", "torn"]
"""The orchestration input: the items `ship` reserves, the documents `in_a_loop` reads."""


def _answer(activity: str, value: Any) -> Any:
    """Extract reads only the readable document, Audit is down, Check never gets ready; the
    rest hand back their input."""
    if activity == "Extract" and value != "readable":
        return RuntimeError("unreadable")
    if activity == "Audit":
        return RuntimeError("audit is down")
    return "pending" if activity == "Check" else value


def _ids(root: Path) -> str:
    return root.relative_to(REPLAY).as_posix()


@pytest.mark.parametrize("root", REPEATS, ids=_ids)
def test_a_line_is_reported_exactly_when_the_sdk_runs_it_in_more_than_one_episode(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, *_, **__: None)
    app = root / "function_app.py"
    runs = [drive(app, name, _answer, ITEMS) for name in orchestrators(app)]
    assert all(run.ended for run in runs)
    quieted = {str(rule) for rule in QUIETED}
    marked = {line for _, line, rule in expected(root) if rule in quieted}
    lines = app.read_text().splitlines()
    logs = {number for number, text in enumerate(lines, start=1) if LOGS.search(text)}
    repeating = {line for line in marked | logs if any(run.repeats(line) for run in runs)}
    assert repeating == marked


def test_a_finally_around_a_yield_sends_its_request_in_every_episode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, *_, **__: sent.append(url))
    app = REPLAY / "finally_each_episode" / "finding" / "function_app.py"
    run = drive(app, "release_after", _answer, ITEMS)
    assert run.ended and run.failure is None and len(sent) == run.episodes == 2


@pytest.mark.slow
@pytest.mark.parametrize("root", LOOPS, ids=_ids)
def test_a_loop_is_reported_exactly_when_nothing_but_durable_results_ends_it(root: Path) -> None:
    app = root / "function_app.py"
    endless = {
        name
        for name in orchestrators(app)
        if not drive(app, name, _answer, None, most=LONGEST + 5, trace=False).ended
    }
    findings = lint([root]).findings
    assert {f.rule.id for f in findings} <= {RuleId.UNBOUNDED_LOOP}
    assert {name for f in findings for name in f.orchestrators} == endless


def test_a_handler_that_falls_into_an_unbound_read_fails_the_orchestration() -> None:
    app = REPLAY / "except_cannot_continue" / "clean" / "function_app.py"
    for name in ("summarise", "delegated"):
        failure = drive(app, name, _answer, ITEMS).failure
        assert failure is not None and "not associated with a value" in failure, name
