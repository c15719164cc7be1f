"""Which statements of a generator run once per orchestration, which run at every close.

The SDK runs the orchestrator generator from its start in every episode and feeds it the
recorded results of its durable tasks until it reaches one still pending (azure-functions-
durable `TaskOrchestrationExecutor.execute`). Code from which no `yield` can follow, on any
path (after the last durable await, on a `return` or `raise` path, in a handler that ends
the orchestration, `unbound`), runs only in the episode that completes the orchestration:
it does not repeat on replay. Two things keep code repeating: a loop whose body yields runs
its body again, and Python closes the generator the SDK drops at the end of every episode
that suspends, raising `GeneratorExit` at the pending yield (PEP 342, `generator.close()`):
a handler that catches it (also bare `except:` and `BaseException`) and the `finally:` of
every `try` suspended in run then, each episode, with `is_replaying` false (the last event
the episode processed is new).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from scripts.stages.lint.scope import nested
from scripts.stages.lint.source import FunctionNode
from scripts.stages.lint.unbound import UnboundReads

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


@dataclass(frozen=True)
class Flow:
    once: frozenset[int]
    """Statements (nested ones too) from which no yield can follow: they run in one episode."""
    closing: frozenset[int]
    """The first statements of the code that runs when Python closes the suspended
    generator (a `finally:` of a `try` that yields, a handler of `GeneratorExit`)."""
    tails: frozenset[int]
    """Statements after which no yield can follow on any path, raising or not: a generator
    made or delegated to there runs as the orchestration's last durable code."""

    def continued(self) -> Flow:
        """The flow of a function whose caller may yield after it returns: none of its code
        is the orchestration's last, but what runs at close still does."""
        return replace(self, once=frozenset(), tails=frozenset())


class _Flow:
    def __init__(self, function: FunctionNode) -> None:
        self.once: set[int] = set()
        self.tails: set[int] = set()
        self.closing: set[int] = set()
        self.repeating: set[int] = set()
        self.unbound = UnboundReads(function)

    def block(self, stmts: list[ast.stmt], after: bool, on_raise: bool) -> bool:
        """Whether a yield can happen from the start of `stmts` on; `after`: once they end."""
        for stmt in reversed(stmts):
            after = self.stmt(stmt, after, on_raise)
        return after

    def stmt(self, stmt: ast.stmt, after: bool, on_raise: bool) -> bool:
        if not (after or on_raise):
            self.tails.add(id(stmt))
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
        suspends = any(yields(s) for s in stmt.body)
        handlers, closed = [], False
        for handler in stmt.handlers:
            if suspends and not closed and _catches_close(handler):
                closed = True
                handlers.append(self.block(handler.body, True, True))
                self._closes(handler.body)
            else:
                fails = self.unbound.fails_after(stmt, handler)
                handlers.append(self.block(handler.body, raised if fails else final, raised))
        orelse = self.block(stmt.orelse, final, raised)
        if suspends or any(yields(s) for s in [*stmt.handlers, *stmt.orelse]):
            self._closes(stmt.finalbody)
        return self.block(stmt.body, orelse, any(handlers) or raised)

    def _closes(self, stmts: list[ast.stmt]) -> None:
        """`stmts` run when the generator is closed: all of them repeat, `return` or not."""
        self.closing.update(id(s) for s in stmts)
        self.repeating.update(id(n) for s in stmts for n in [s, *nested(s)])


def analyse(function: FunctionNode) -> Flow:
    """What runs once, what runs at close, and what comes last, in `function`."""
    flow = _Flow(function)
    flow.block(function.body, False, False)
    return Flow(
        frozenset(flow.once - flow.repeating),
        frozenset(flow.closing),
        frozenset(flow.tails - flow.repeating),
    )
