"""Control flow as the SDK drives an orchestrator generator: which lines run once, which run
whenever the generator is closed, which `is_replaying` tests guard which code, which loops
have a bound."""

from __future__ import annotations

import ast
import textwrap

import pytest

from scripts.stages.lint.flow import analyse
from scripts.stages.lint.guards import after_early_exits, branches
from scripts.stages.lint.loops import bounded, ended_only_by_durable_results


def _function(source: str) -> ast.FunctionDef:
    function = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(function, ast.FunctionDef)
    return function


def _lines(function: ast.FunctionDef, ids: frozenset[int]) -> set[int]:
    """Line numbers count from the blank first line of the triple-quoted source."""
    return {
        node.lineno
        for node in ast.walk(function)
        if isinstance(node, ast.stmt) and id(node) in ids and node is not function
    }


def _once_lines(source: str) -> set[int]:
    function = _function(source)
    return _lines(function, analyse(function).once)


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
    (  # the finally of a try that yields runs whenever the generator is closed
        """
        def run(context):
            try:
                x = yield context.call_activity("A", None)
            finally:
                log("over")
                if x:
                    return x
            log("after")
            return x
        """,
        {9, 10},
    ),
    (  # a handler of the close runs at every episode's end, return or not
        """
        def run(context):
            try:
                x = yield context.call_activity("A", None)
            except GeneratorExit:
                log("closed")
                return None
            return x
        """,
        {8},
    ),
    (  # a try around no yield is never where the generator is closed
        """
        def run(context):
            x = yield context.call_activity("A", None)
            try:
                n = int(x)
            except:
                log("bad")
                n = 0
            finally:
                log("parsed")
            return n
        """,
        {4, 5, 7, 8, 10, 11},
    ),
    (  # the handler falls into reading the name the failed yield never bound
        """
        def run(context):
            try:
                text = yield context.call_activity("A", None)
            except Exception as error:
                log(error)
            summary = yield context.call_activity("B", text)
            return summary
        """,
        {6, 8},
    ),
    (  # ... but not when a yield comes before the read
        """
        def run(context):
            try:
                text = yield context.call_activity("A", None)
            except Exception as error:
                log(error)
            summary = (yield context.call_activity("B", None)) + text
            return summary
        """,
        {8},
    ),
    (  # ... nor when the read is only on one side of `or`
        """
        def run(context):
            try:
                text = yield context.call_activity("A", None)
            except Exception as error:
                log(error)
            summary = yield context.call_activity("B", None or text)
            return summary
        """,
        {8},
    ),
]


@pytest.mark.parametrize(("source", "once"), ORCHESTRATORS)
def test_code_no_yield_can_follow_runs_once(source: str, once: set[int]) -> None:
    assert _once_lines(source) == once


def test_what_runs_at_close_is_the_finally_of_a_try_that_yields_and_its_close_handler() -> None:
    function = _function(
        """
        def run(context):
            try:
                x = yield context.call_activity("A", None)
            except GeneratorExit:
                log("closed")
                raise
            finally:
                log("over")
            try:
                y = int(x)
            finally:
                log("parsed")
            return y
        """
    )
    assert _lines(function, analyse(function).closing) == {6, 7, 9}


@pytest.mark.parametrize(
    "before",
    ["text = ''", "def text(): pass", "import text", "for text in []: pass", "global text"],
)
def test_a_name_bound_before_the_try_may_be_read_after_the_handler(before: str) -> None:
    source = f"""
        def run(context):
            {before}
            try:
                text = yield context.call_activity("A", None)
            except Exception:
                log("failed")
            return (yield context.call_activity("B", text))
        """
    assert 7 not in _once_lines(source)


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
        ("context.is_replaying or ready", (False, True)),
        ("not context.is_replaying or ready", (False, False)),
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


@pytest.mark.parametrize(
    ("body", "live"),
    [
        ("if context.is_replaying:\n    return\nlog('a')\nlog('b')\n", {5, 6}),
        ("if context.is_replaying or quiet:\n    raise Done()\nlog('a')\n", {5}),
        ("if not context.is_replaying:\n    pass\nelse:\n    return\nlog('a')\n", {7}),
        (
            "for x in xs:\n    if context.is_replaying:\n        continue\n    log(x)\nlog('b')\n",
            {6},
        ),
        ("if not context.is_replaying:\n    return\nlog('a')\n", set()),
        ("if context.is_replaying:\n    pass\nlog('a')\n", set()),
        ("if context.is_replaying and quiet:\n    return\nlog('a')\n", set()),
    ],
)
def test_an_early_exit_taken_whenever_replaying_guards_the_rest_of_its_block(
    body: str, live: set[int]
) -> None:
    function = _function("\ndef run(context):\n" + textwrap.indent(body, "    "))
    assert _lines(function, after_early_exits(function, _is_replaying)) == live


def _bounded(source: str) -> bool:
    loop = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(loop, ast.While | ast.For)
    return bounded(loop)


@pytest.mark.parametrize(
    ("source", "is_bounded"),
    [
        ("while True:\n    yield context.call_activity('A', 0)\n", False),
        (
            "while True:\n    s = yield context.call_activity('A', 0)\n"
            "    if s == 'ready':\n        return s\n",
            False,
        ),
        (
            "while True:\n    s = yield context.call_activity('A', 0)\n"
            "    if context.current_utc_datetime > deadline:\n        break\n",
            True,
        ),
        (
            "while True:\n    yield context.call_activity('A', 0)\n    n += 1\n"
            "    if n > 9:\n        raise TimeoutError()\n",
            True,
        ),
        (  # caught inside the loop: not a way out
            "while True:\n    yield context.call_activity('A', 0)\n    n += 1\n"
            "    try:\n        if n > 9:\n            raise TimeoutError()\n"
            "    except TimeoutError:\n        pass\n",
            False,
        ),
        (  # the break of an inner loop leaves only that loop
            "while True:\n    yield context.call_activity('A', 0)\n    n += 1\n"
            "    while n > 9:\n        break\n",
            False,
        ),
        (  # a return from an inner loop leaves them all
            "while True:\n    yield context.call_activity('A', 0)\n    n += 1\n"
            "    for x in xs:\n        if n > 9:\n            return x\n",
            True,
        ),
        (
            "for i in itertools.count():\n    yield context.call_activity('A', i)\n"
            "    if i >= 10:\n        break\n",
            True,
        ),
        (  # a continue on a durable result guards the break after it
            "for i in itertools.count():\n    s = yield context.call_activity('A', i)\n"
            "    if s != 'done':\n        continue\n    break\n",
            False,
        ),
        (  # a handler of a durable call is reached when that call fails
            "while True:\n    try:\n        yield context.call_activity('A', 0)\n"
            "    except Exception:\n        break\n",
            False,
        ),
        (
            "while True:\n    try:\n        return (yield context.call_activity('A', 0))\n"
            "    except Exception:\n        pass\n",
            True,
        ),
        (
            "while s != 'done':\n    s = yield context.call_activity('A', 0)\n    n += 1\n"
            "    if n == 60:\n        break\n",
            True,
        ),
    ],
)
def test_a_loop_is_bounded_by_a_way_out_a_clock_or_counter_reaches(
    source: str, is_bounded: bool
) -> None:
    assert _bounded(source) is is_bounded
