"""An orchestrator and the app functions it calls, transitively, up to a depth.

Each function is checked with the names that hold the context in it, and every hit keeps
the chain of calls from the orchestrator to it, so a report says where the chain starts.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from scripts.stages.lint.app_model import DurableFunction
from scripts.stages.lint.checks import FunctionChecker, Hit, NameProblem
from scripts.stages.lint.flow import runs_once
from scripts.stages.lint.source import AppSource, FunctionNode, Module

DEFAULT_DEPTH = 5


@dataclass(frozen=True)
class Reached:
    module: Module
    hit: Hit
    chain: tuple[str, ...]
    """Function names from the orchestrator's own code down to the one holding the hit."""


@dataclass
class Walk:
    hits: list[Reached]
    too_deep: list[str]
    """Calls not followed because the chain reached the depth limit."""


def _first_parameter(node: FunctionNode) -> frozenset[str]:
    params = [*node.args.posonlyargs, *node.args.args]
    return frozenset({params[0].arg}) if params else frozenset()


def walk(
    source: AppSource, orchestrator: DurableFunction, names: NameProblem | None, depth: int
) -> Walk:
    """Check the orchestrator's code and every app function it reaches, breadth first."""
    result = Walk([], [])
    if orchestrator.code is None:
        return result
    module, node = orchestrator.code
    chain: tuple[str, ...] = (node.name,)
    queue = deque([(module, node, _first_parameter(node), False, chain)])
    seen: set[tuple[str, str, frozenset[str], bool]] = set()
    while queue:
        module, node, context, quiet, chain = queue.popleft()
        key = (module.name, node.name, context, quiet)
        if key in seen:
            continue
        seen.add(key)
        first = len(chain) == 1
        once = runs_once(node) if first else frozenset()
        checker = FunctionChecker(source, module, node, context, names, once=once, quiet=quiet)
        hits, callees = checker.run(orchestrator=first)
        result.hits.extend(Reached(module, hit, chain) for hit in hits)
        for callee in callees:
            if len(chain) > depth:
                result.too_deep.append(f"{' > '.join(chain)} > {callee.node.name}")
            else:
                step = (*chain, callee.node.name)
                queue.append((callee.module, callee.node, callee.context, callee.quiet, step))
    return result
