"""`if not context.is_replaying:` in the spellings people use, and what each branch is.

`is_replaying` is true while the SDK feeds recorded results back into the generator
(azure-functions-durable `DurableOrchestrationContext.is_replaying`), so a branch taken only
when it is false runs once per point of the history, not on every replay.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

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
    found = _replaying_is(test, replaying)
    return found is False, found is True
