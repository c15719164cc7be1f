"""Control flow as the SDK drives an orchestrator generator: which lines run once, which
`is_replaying` tests guard which branch, which loops only durable results end."""

from __future__ import annotations

import ast
import textwrap

import pytest

from scripts.stages.lint.flow import runs_once
from scripts.stages.lint.guards import branches
from scripts.stages.lint.loops import ended_only_by_durable_results


def _once_lines(source: str) -> set[int]:
    """Line numbers count from the blank first line of the triple-quoted source."""
    function = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(function, ast.FunctionDef)
    once = runs_once(function)
    return {
        node.lineno
        for node in ast.walk(function)
        if isinstance(node, ast.stmt) and id(node) in once and node is not function
    }


ORCHESTRATORS = [
    (
        """
        def run(context):
            a = 1
            x = yield context.call_activity("A", a)
            b = 2
            return x
        """,
        {5, 6},
    ),
    (
        """
        def run(context):
            for n in range(3):
                y = yield context.call_activity("A", n)
                log(y)
            log("done")
        """,
        {6},
    ),
    (
        """
        def run(context):
            x = yield context.call_activity("A", None)
            if not x:
                log("no")
                return None
            log("yes")
            y = yield context.call_activity("B", x)
            return y
        """,
        {5, 6, 9},
    ),
    (
        """
        def run(context):
            try:
                x = yield context.call_activity("A", None)
            except GeneratorExit:
                log("closed")
                raise
            except Exception:
                log("failed")
                raise
            return x
        """,
        {9, 10, 11},
    ),
    (
        """
        def run(context):
            try:
                x = yield context.call_activity("A", None)
            except Exception:
                log("retrying")
                x = None
            y = yield context.call_activity("B", x)
            return y
        """,
        {9},
    ),
    (
        """
        def run(context):
            log("before")
            yield context.continue_as_new(None)
        """,
        {3, 4},
    ),
]


@pytest.mark.parametrize(("source", "once"), ORCHESTRATORS)
def test_code_no_yield_can_follow_runs_once(source: str, once: set[int]) -> None:
    assert _once_lines(source) == once


def _is_replaying(expr: ast.expr) -> bool:
    return ast.unparse(expr) == "context.is_replaying"


@pytest.mark.parametrize(
    ("test", "guarded"),
    [
        ("not context.is_replaying", (True, False)),
        ("context.is_replaying is False", (True, False)),
        ("context.is_replaying == False", (True, False)),
        ("context.is_replaying is not True", (True, False)),
        ("context.is_replaying", (False, True)),
        ("context.is_replaying is True", (False, True)),
        ("not context.is_replaying and ready", (True, False)),
        ("other.is_replaying", (False, False)),
        ("context.is_replaying or ready", (False, False)),
    ],
)
def test_is_replaying_tests_guard_the_branch_that_runs_live(
    test: str, guarded: tuple[bool, bool]
) -> None:
    assert branches(ast.parse(test, mode="eval").body, _is_replaying) == guarded


def _loop(source: str) -> ast.While:
    loop = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(loop, ast.While)
    return loop


@pytest.mark.parametrize(
    ("source", "unbounded"),
    [
        ('while status != "done":\n    status = yield context.call_activity("Poll", 0)\n', True),
        (
            'while status != "done":\n    reply = yield context.call_activity("Poll", 0)\n'
            '    status = reply["status"]\n',
            True,
        ),
        (
            'while status != "done" and polls < 9:\n'
            '    status = yield context.call_activity("Poll", 0)\n    polls += 1\n',
            False,
        ),
        (
            "while context.current_utc_datetime < deadline:\n    yield context.create_timer(t)\n",
            False,
        ),
        (
            "while pending:\n    item = pending.pop()\n"
            "    yield context.call_activity('A', item)\n",
            False,
        ),
        ("while not done(state):\n    state = yield context.call_activity('A', 0)\n", False),
    ],
)
def test_a_loop_only_durable_results_end(source: str, unbounded: bool) -> None:
    assert ended_only_by_durable_results(_loop(source)) is unbounded
