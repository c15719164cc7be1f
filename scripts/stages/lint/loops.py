"""A `while <condition>:` that only durable results can end (DDZ009's second shape).

A polling loop such as `while status != "done": status = yield context.call_activity(...)`
has no bound of its own: it runs for as long as the thing polled says "not yet", adding to
the history every round, exactly like `while True:` with a `break`. The condition is taken
as bounded when the loop changes one of its names by plain code (a counter, `pop()` on a
list), or when it reads the clock (`context.current_utc_datetime`) or calls anything.
"""

from __future__ import annotations

import ast

from scripts.stages.lint.flow import yields
from scripts.stages.lint.scope import nested


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _stored(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def ended_only_by_durable_results(loop: ast.While) -> bool:
    test = loop.test
    if any(isinstance(n, ast.Call) for n in ast.walk(test)) or any(
        isinstance(n, ast.Attribute) and n.attr == "current_utc_datetime" for n in ast.walk(test)
    ):
        return False
    read = _names(test)
    if not read:
        return False
    durable: set[str] = set()
    plain: set[str] = set()
    derived: list[tuple[set[str], set[str]]] = []
    for node in nested(loop):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            stored = set().union(*(_stored(t) for t in targets))
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
            plain |= set().union(*(_stored(t) for t in stored_in)) if stored_in else set()
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            plain |= _names(node.func.value) if isinstance(node.func.value, ast.Name) else set()
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            plain |= _names(node.value)
    assigned = (
        durable | plain | set().union(*(s for s, _ in derived)) if derived else durable | plain
    )
    changed = True
    while changed:
        changed = False
        for stored, used in derived:
            invariant = used - assigned
            if used & durable and used <= durable | invariant and not stored <= durable:
                durable |= stored
                changed = True
    plain |= set().union(*(s for s, _ in derived)) - durable if derived else set()
    return not (read & plain)
