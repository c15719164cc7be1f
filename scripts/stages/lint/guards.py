"""`if not context.is_replaying:` in the spellings people use, and what each branch is.

`is_replaying` is true while the SDK feeds recorded results back into the generator
(azure-functions-durable `DurableOrchestrationContext.is_replaying`), so a branch taken only
when it is false runs once per point of the history, not on every replay. So does the rest
of a block after an early exit taken whenever replaying (`if context.is_replaying: return`,
the form replay-safe logging helpers take).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from scripts.stages.lint.scope import nested
from scripts.stages.lint.source import FunctionNode

IsReplaying = Callable[[ast.expr], bool]
"""Whether an expression is `<context>.is_replaying` for a name holding the context."""


def _constant(expr: ast.expr, value: bool) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is value


def _replaying_is(test: ast.expr, replaying: IsReplaying) -> bool | None:
    """True/False when `test` is true exactly when replaying / not replaying, else None."""
    if replaying(test):
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _replaying_is(test.operand, replaying)
        return None if inner is None else not inner
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and replaying(test.left)
        and isinstance(test.comparators[0], ast.Constant)
        and isinstance(test.comparators[0].value, bool)
    ):
        op, value = test.ops[0], test.comparators[0].value
        if isinstance(op, ast.Is | ast.Eq):
            return value
        if isinstance(op, ast.IsNot | ast.NotEq):
            return not value
    return None


def branches(test: ast.expr, replaying: IsReplaying) -> tuple[bool, bool]:
    """(the body runs only when not replaying, the else-branch does)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(branches(v, replaying)[0] for v in test.values), False
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return False, any(branches(v, replaying)[1] for v in test.values)
    found = _replaying_is(test, replaying)
    return found is False, found is True


_LEAVES = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _leaves(block: list[ast.stmt]) -> bool:
    """Whether `block` never falls through to the statement after it."""
    last = block[-1] if block else None
    if isinstance(last, ast.If):
        return _leaves(last.body) and _leaves(last.orelse)
    return isinstance(last, _LEAVES)


def after_early_exits(function: FunctionNode, replaying: IsReplaying) -> frozenset[int]:
    """The statements that follow, in their block, an `if` whose branch taken whenever
    replaying leaves the block (`if context.is_replaying: return`, also `raise`, `continue`,
    `break`, or the `else:` of `if not context.is_replaying:`): they run only when not
    replaying. A branch runs only when not replaying exactly when the other one is taken
    whenever replaying."""
    live: set[int] = set()
    for node in [function, *nested(function)]:
        for _, block in ast.iter_fields(node):
            if not (isinstance(block, list) and block and isinstance(block[0], ast.stmt)):
                continue
            for index, stmt in enumerate(block):
                if isinstance(stmt, ast.If):
                    body, orelse = branches(stmt.test, replaying)
                    if (orelse and _leaves(stmt.body)) or (body and _leaves(stmt.orelse)):
                        live.update(id(rest) for rest in block[index + 1 :])
                        break
    return frozenset(live)
