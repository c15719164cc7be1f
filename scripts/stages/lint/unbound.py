"""An `except` handler whose every way on fails: it falls through to read the name its
`try` was binding, which is then unbound.

`text = yield context.call_activity(...)` in a `try` of its own binds `text` only when the
activity succeeds: the SDK throws a failed task's exception into the generator at the
`yield` (azure-functions-durable `TaskOrchestrationExecutor.resume_user_code`,
`generator.throw`), before the assignment. A handler that logs and falls through to
`summary = yield context.call_activity("Condense", text)` therefore raises
`UnboundLocalError` on its next line, every time: no later `yield` is reached from it, so
it runs once, like a handler ending in `raise`. Only the certain case is taken: the name
is local and bound nowhere before the `try` (which sits in no loop), nothing on the way
(the handler, a `finally`, a `nonlocal` in a nested function) binds it, and the statement
right after the `try` reads it before anything in it can yield.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator

from scripts.stages.lint.source import FunctionNode

_STEPS = (ast.Yield, ast.YieldFrom, ast.Await)
Above = tuple[ast.expr, ...]
"""The expressions enclosing a part of an expression, outermost first."""
_FIRST = {
    ast.Assign: "value",
    ast.AnnAssign: "value",
    ast.AugAssign: "value",
    ast.Expr: "value",
    ast.Return: "value",
    ast.If: "test",
    ast.While: "test",
    ast.For: "iter",
    ast.Raise: "exc",
}
"""Statements whose first evaluated part is one expression, and that part."""


def _bound(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """Each name `node` (and everything below it) binds, with the node binding it."""
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Store | ast.Del):
            yield part.id, part
        elif isinstance(part, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield part.name, part
        elif isinstance(part, ast.alias):
            yield (part.asname or part.name.split(".")[0]), part
        elif isinstance(part, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and part.name:
            yield part.name, part
        elif isinstance(part, ast.MatchMapping) and part.rest:
            yield part.rest, part
        elif isinstance(part, ast.arg):
            yield part.arg, part
        elif isinstance(part, ast.Global | ast.Nonlocal):
            for name in part.names:
                yield name, part


def _binds(nodes: list[ast.AST], name: str) -> bool:
    return any(bound == name for node in nodes for bound, _ in _bound(node))


def _unconditional(expr: ast.expr, above: Above) -> Iterator[tuple[ast.expr, Above]]:
    """Every part of `expr` Python evaluates whenever it evaluates `expr`, with the parts
    above it (a lambda's body, the branches of `x if c else y`, the operands after the
    first of `and`/`or` or of a chained comparison, and a comprehension's body may not run)."""
    yield expr, above
    if isinstance(expr, ast.Lambda):
        return
    if isinstance(expr, ast.IfExp):
        parts: list[ast.expr] = [expr.test]
    elif isinstance(expr, ast.BoolOp):
        parts = expr.values[:1]
    elif isinstance(expr, ast.Compare):
        parts = [expr.left, *expr.comparators[:1]]
    elif isinstance(expr, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        parts = [expr.generators[0].iter]
    else:
        parts = [c for c in ast.iter_child_nodes(expr) if isinstance(c, ast.expr)]
    for part in parts:
        yield from _unconditional(part, (*above, expr))


def _reads_first(statement: ast.stmt, name: str) -> bool:
    """Whether `statement` reads `name` before it can bind it or suspend at a yield."""
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id == name
    field = _FIRST.get(type(statement))
    expr = getattr(statement, field) if field else None
    if not isinstance(expr, ast.expr) or any(bound == name for bound, _ in _bound(expr)):
        return False
    steps = [n for n in ast.walk(statement) if isinstance(n, _STEPS)]
    return any(
        isinstance(part, ast.Name)
        and part.id == name
        and isinstance(part.ctx, ast.Load)
        and all(step in above for step in steps)
        for part, above in _unconditional(expr, ())
    )


class UnboundReads:
    """Answers, for the `try` statements of one function, which handlers cannot go on."""

    def __init__(self, function: FunctionNode) -> None:
        self.function = function
        self.following: dict[int, ast.stmt] = {}
        self.in_loop: set[int] = set()
        for node in ast.walk(function):
            for _, value in ast.iter_fields(node):
                if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                    self.following.update(
                        (id(stmt), after) for stmt, after in itertools.pairwise(value)
                    )
            if isinstance(node, ast.For | ast.AsyncFor | ast.While):
                self.in_loop.update(id(n) for n in ast.walk(node) if n is not node)

    def _unbound_at(self, attempt: ast.Try | ast.TryStar, name: str) -> bool:
        """No binding of `name` can have run before `attempt` (it is in no loop, so only
        what comes before it in the source can have run)."""
        start = (attempt.lineno, attempt.col_offset)
        return id(attempt) not in self.in_loop and not any(
            bound == name
            and (
                isinstance(node, ast.arg | ast.Global | ast.Nonlocal)
                or (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)) < start
            )
            for bound, node in _bound(self.function)
        )

    def fails_after(self, attempt: ast.Try | ast.TryStar, handler: ast.ExceptHandler) -> bool:
        """Whether every path through `handler` that falls out of it fails at once."""
        if len(attempt.body) != 1 or id(attempt) not in self.following:
            return False
        (statement,) = attempt.body
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        else:
            return False
        after = self.following[id(attempt)]
        return any(
            isinstance(target, ast.Name)
            and self._unbound_at(attempt, target.id)
            and not _binds([handler, *attempt.finalbody], target.id)
            and _reads_first(after, target.id)
            for target in targets
        )
