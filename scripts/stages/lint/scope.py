"""What a function binds itself: its locals shadow module names, its imports add some.

Read once per checked function, before its body is visited, so a name assigned late in the
body still shadows a module name early in it (as Python's own scoping does).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from scripts.stages.lint.source import FunctionNode


def nested(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node`, not entering nested function definitions."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child
            yield from nested(child)


@dataclass
class Scope:
    """What the function binds itself: its locals shadow module names."""

    locals: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)
    single: dict[str, ast.expr] = field(default_factory=dict)
    """Names assigned exactly once, to this value."""
    globals: dict[str, ast.Global] = field(default_factory=dict)

    @classmethod
    def of(cls, node: FunctionNode) -> Scope:
        scope = cls()
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            scope.locals.add(arg.arg)
        for extra in (arguments.vararg, arguments.kwarg):
            if extra:
                scope.locals.add(extra.arg)
        counts: dict[str, int] = {}
        for child in nested(node):
            if isinstance(child, ast.Global):
                scope.globals.update(dict.fromkeys(child.names, child))
            elif isinstance(child, ast.Import | ast.ImportFrom):
                for alias in child.names:
                    scope.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name
                        if isinstance(child, ast.Import)
                        else f"{child.module or ''}.{alias.name}"
                    )
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
                scope.locals.add(child.id)
                counts[child.id] = counts.get(child.id, 0) + 1
            elif isinstance(child, ast.Assign) and len(child.targets) == 1:
                target = child.targets[0]
                if isinstance(target, ast.Name):
                    scope.single[target.id] = child.value
        scope.locals -= set(scope.globals)
        scope.single = {k: v for k, v in scope.single.items() if counts.get(k) == 1}
        return scope
