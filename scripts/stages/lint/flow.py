"""Which statements of an orchestrator run only once per orchestration, not on every replay.

The SDK runs the orchestrator generator from its start in every episode and feeds it the
recorded results of its durable tasks until it reaches one still pending (azure-functions-
durable `TaskOrchestrationExecutor.execute`). Code from which no `yield` can follow, on any
path (after the last durable await, on a `return` or `raise` path, in a handler that ends
the orchestration), runs only in the episode that completes the orchestration: it does not
repeat on replay. Two exceptions keep code repeating: a loop whose body yields runs its
body again, and a handler that catches `GeneratorExit` (also bare `except:` and
`BaseException`) runs at the end of every episode that suspends, since the SDK drops the
pending generator and Python closes it by raising `GeneratorExit` at the yield (PEP 342,
`generator.close()`).
"""

from __future__ import annotations

import ast

from scripts.stages.lint.scope import nested
from scripts.stages.lint.source import FunctionNode

_CLOSERS = frozenset({"GeneratorExit", "BaseException"})


def _waits(node: ast.AST) -> bool:
    """A yield that can suspend: not `yield context.continue_as_new(...)`, which the SDK
    records when called (the yield hands it nothing to wait for)."""
    if isinstance(node, ast.YieldFrom):
        return True
    if not isinstance(node, ast.Yield):
        return False
    value = node.value
    return not (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "continue_as_new"
    )


def yields(node: ast.AST) -> bool:
    """Whether `node` holds a yield that can suspend, of its own (not a nested function's)."""
    return any(_waits(n) for n in [node, *nested(node)])


def is_generator(function: FunctionNode) -> bool:
    return any(yields(stmt) for stmt in function.body)


def _catches_close(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _CLOSERS for t in types)


class _Flow:
    def __init__(self) -> None:
        self.once: set[int] = set()

    def block(self, stmts: list[ast.stmt], after: bool, on_raise: bool) -> bool:
        """Whether a yield can happen from the start of `stmts` on; `after`: once they end."""
        for stmt in reversed(stmts):
            after = self.stmt(stmt, after, on_raise)
        return after

    def stmt(self, stmt: ast.stmt, after: bool, on_raise: bool) -> bool:
        start = self._start(stmt, after, on_raise) or yields(stmt)
        if not start:
            self.once.add(id(stmt))
        return start

    def _start(self, stmt: ast.stmt, after: bool, on_raise: bool) -> bool:
        if isinstance(stmt, ast.Return):
            return False
        if isinstance(stmt, ast.Raise):
            return on_raise
        if isinstance(stmt, ast.If):
            body = self.block(stmt.body, after, on_raise)
            return self.block(stmt.orelse, after, on_raise) or body
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            again = after or yields(stmt)
            self.block(stmt.body, again, on_raise)
            return self.block(stmt.orelse, after, on_raise) or again
        if isinstance(stmt, ast.Try | ast.TryStar):
            return self._try(stmt, after, on_raise)
        if isinstance(stmt, ast.With | ast.AsyncWith):
            return self.block(stmt.body, after, on_raise)
        if isinstance(stmt, ast.Match):
            cases = [self.block(case.body, after, on_raise) for case in stmt.cases]
            return any(cases) or after
        return after

    def _try(self, stmt: ast.Try | ast.TryStar, after: bool, on_raise: bool) -> bool:
        final = self.block(stmt.finalbody, after, on_raise)
        raised = on_raise or any(yields(s) for s in stmt.finalbody)
        handlers, closed = [], False
        for handler in stmt.handlers:
            if not closed and _catches_close(handler):
                closed = True
                handlers.append(self.block(handler.body, True, True))
            else:
                handlers.append(self.block(handler.body, final, raised))
        orelse = self.block(stmt.orelse, final, raised)
        return self.block(stmt.body, orelse, any(handlers) or raised)


def runs_once(function: FunctionNode) -> frozenset[int]:
    """The ids of the statements of `function` (nested ones too) that run only once."""
    flow = _Flow()
    flow.block(function.body, False, False)
    return frozenset(flow.once)
