"""Whether an orchestrator loop that does durable work has a bound (DDZ009).

A condition bounds a loop when something other than durable results makes it change: a
name the loop changes by plain code (a counter, `pop()` on a list, the `for` target of
`itertools.count()`), the orchestration clock (`context.current_utc_datetime`, which moves
on with every episode, and every round that schedules durable work is at least one
episode), or a call (the lint cannot see what a call returns, and says nothing rather than
guess). A condition made only of names durable results set (`status = yield ...`) and
names the loop never changes ends the loop only when the thing polled says so: the history
grows for as long as it says "not yet", as in `while True:` with no way out.

A loop is bounded when it can be left under a bounding condition: its own (`while
polls < 60:`), or one on the way to a `break` out of it, a `return` or a `raise` no `try`
inside it catches (`if rounds >= MAX_ROUNDS or context.current_utc_datetime >= deadline:
return`). A `continue` under a condition puts that condition on the way to everything after
it; a handler around a durable call puts "the call failed", a durable result, on the way
to what it holds. An exit under no condition at all ends the first round.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from scripts.stages.lint.flow import yields
from scripts.stages.lint.scope import nested

Loop = ast.While | ast.For | ast.AsyncFor
FAILED = ast.Constant(value=None)
"""The condition on the way into a handler around a durable call: that call failed (it
reads no name and calls nothing, so it never bounds)."""


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _changed_by_plain_code(loop: Loop) -> set[str]:
    """The names the loop changes other than from durable results alone."""
    durable: set[str] = set()
    plain: set[str] = _names(loop.target) if isinstance(loop, ast.For | ast.AsyncFor) else set()
    derived: list[tuple[set[str], set[str]]] = []
    for node in nested(loop):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            stored = set().union(*(_names(t) for t in targets))
            if yields(node.value):
                durable |= stored
            else:
                derived.append((stored, _names(node.value)))
        elif isinstance(node, ast.AugAssign | ast.For | ast.With | ast.NamedExpr):
            stored_in = (
                [node.target]
                if not isinstance(node, ast.With)
                else [item.optional_vars for item in node.items if item.optional_vars]
            )
            plain |= set().union(*(_names(t) for t in stored_in)) if stored_in else set()
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            plain |= _names(node.func.value) if isinstance(node.func.value, ast.Name) else set()
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            plain |= _names(node.value)
    assigned = durable | plain | set().union(*(s for s, _ in derived))
    changed = True
    while changed:
        changed = False
        for stored, used in derived:
            invariant = used - assigned
            if used & durable and used <= durable | invariant and not stored <= durable:
                durable |= stored
                changed = True
    return plain | (set().union(*(s for s, _ in derived)) - durable)


def _bounds(condition: ast.AST, plain: set[str]) -> bool:
    return (
        any(isinstance(n, ast.Call) for n in ast.walk(condition))
        or any(
            isinstance(n, ast.Attribute) and n.attr == "current_utc_datetime"
            for n in ast.walk(condition)
        )
        or bool(_names(condition) & plain)
    )


def ended_only_by_durable_results(loop: ast.While) -> bool:
    """`while <condition>:` whose condition reads names and is not bounding."""
    return bool(_names(loop.test)) and not _bounds(loop.test, _changed_by_plain_code(loop))


def _continues(stmt: ast.stmt) -> bool:
    """Whether `stmt` holds a `continue` of the loop it is in (not of a nested loop)."""
    if isinstance(stmt, ast.Continue):
        return True
    if isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
        return any(_continues(s) for s in stmt.orelse)
    return any(_continues(s) for s in ast.iter_child_nodes(stmt) if isinstance(s, ast.stmt)) or (
        any(_continues(s) for h in getattr(stmt, "handlers", []) for s in h.body)
    )


def _exits(
    block: list[ast.stmt], on_the_way: list[ast.AST], inner: bool, caught: bool
) -> Iterator[list[ast.AST]]:
    """For each way out of the loop from `block`, the conditions on the way to it.
    `inner`: inside a nested loop (its `break` is not ours); `caught`: inside a `try`
    with handlers (its `raise` may not leave)."""
    for stmt in block:
        if isinstance(stmt, ast.Break | ast.Continue):
            if isinstance(stmt, ast.Break) and not inner:
                yield on_the_way
            return
        if isinstance(stmt, ast.Return | ast.Raise):
            if isinstance(stmt, ast.Return) or not caught:
                yield on_the_way
            return
        if isinstance(stmt, ast.If):
            yield from _exits(stmt.body, [*on_the_way, stmt.test], inner, caught)
            yield from _exits(stmt.orelse, [*on_the_way, stmt.test], inner, caught)
        elif isinstance(stmt, ast.While):
            yield from _exits(stmt.body, [*on_the_way, stmt.test], True, caught)
            yield from _exits(stmt.orelse, on_the_way, inner, caught)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            yield from _exits(stmt.body, on_the_way, True, caught)
            yield from _exits(stmt.orelse, on_the_way, inner, caught)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            yield from _exits(stmt.body, on_the_way, inner, caught or bool(stmt.handlers))
            failed = [FAILED] if any(yields(s) for s in stmt.body) else []
            for handler in stmt.handlers:
                yield from _exits(handler.body, [*on_the_way, *failed], inner, caught)
            yield from _exits([*stmt.orelse, *stmt.finalbody], on_the_way, inner, caught)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            yield from _exits(stmt.body, on_the_way, inner, caught)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _exits(case.body, [*on_the_way, stmt.subject], inner, caught)
        if isinstance(stmt, ast.If) and _continues(stmt):
            on_the_way = [*on_the_way, stmt.test]


def bounded(loop: Loop) -> bool:
    """Whether the loop can be left under a condition that bounds it (or none at all)."""
    plain = _changed_by_plain_code(loop)
    if isinstance(loop, ast.While) and _bounds(loop.test, plain):
        return True
    return any(
        not way or any(_bounds(c, plain) for c in way)
        for way in _exits(loop.body, [], False, False)
    )
