"""What a name or expression in a checked function holds, when the source can tell.

Resolved without running anything: a function's own imports and locals first (`Scope`),
then its module's names, then the app module they come from (`AppSource.resolve`).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass

from scripts.stages.lint import apis
from scripts.stages.lint.rules import RuleId
from scripts.stages.lint.scope import Scope
from scripts.stages.lint.source import AppSource, Module

LOGGER_NAME = re.compile(r"(^|_)log(ger|ging)?$|logger$", re.IGNORECASE)
"""A name imported from outside the app that is a logger by its name: `logger`, `log`,
`applogger`, `app_log` (not `catalog` or `dialog`)."""


@dataclass(frozen=True)
class Values:
    source: AppSource
    module: Module
    scope: Scope

    def qualify(self, expr: ast.expr) -> str | None:
        """The dotted name `expr` refers to here, if it is one (None for a local)."""
        if isinstance(expr, ast.Name):
            if expr.id in self.scope.imports:
                return self.scope.imports[expr.id]
            if expr.id in self.scope.locals:
                return None
        if isinstance(expr, ast.Attribute):
            base = self.qualify(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return self.module.qualify(expr)

    def logger(self, receiver: ast.expr) -> bool:
        """`logging.getLogger(...)`, here, in a local or at module level; or a name like
        `logger` imported from a module outside the app (it cannot be read, it logs)."""
        if isinstance(receiver, ast.Call):
            return self.qualify(receiver.func) == apis.LOGGER_FACTORY
        if not isinstance(receiver, ast.Name):
            return False
        if receiver.id in self.scope.single:
            return self.logger(self.scope.single[receiver.id])
        if receiver.id in self.scope.locals:
            return False
        dotted = self.module.qualify(receiver)
        found = self.source.resolve(dotted)
        if found is None:
            return (
                dotted is not None
                and receiver.id in self.module.imports
                and dotted.split(".")[0] not in sys.stdlib_module_names
                and bool(LOGGER_NAME.search(receiver.id))
            )
        value = found[0].assigned.get(found[1])
        return isinstance(value, ast.Call) and found[0].qualify(value.func) == apis.LOGGER_FACTORY

    def client(self, expr: ast.expr) -> bool:
        """Whether `expr` is an SDK client or session (built here, in a local or a module)."""
        if isinstance(expr, ast.Call):
            if apis.client_factory(self.qualify(expr.func)):
                return True
            func = expr.func
            return (
                isinstance(func, ast.Attribute)
                and func.attr in apis.SUB_CLIENT_METHODS
                and self.client(func.value)
            )
        if isinstance(expr, ast.Name) and expr.id in self.scope.single:
            return self.client(self.scope.single[expr.id])
        if isinstance(expr, ast.Name) and expr.id not in self.scope.locals:
            found = self.source.resolve(self.module.qualify(expr))
            value = found[0].assigned.get(found[1]) if found else None
            return (
                isinstance(value, ast.Call)
                and found is not None
                and apis.client_factory(found[0].qualify(value.func))
            )
        return False

    def read_from_environment(self, node: ast.Name | ast.Attribute) -> str | None:
        """`file:line` of the module-level assignment `node` refers to, if that assignment
        reads the environment (so the value differs between slots, as DDZ006 says)."""
        if isinstance(node, ast.Name) and node.id in self.scope.locals:
            return None
        dotted = self.qualify(node) if isinstance(node, ast.Attribute) else None
        found = self.source.resolve(dotted or self.module.qualify(node))
        value = found[0].assigned.get(found[1]) if found else None
        if value is None or found is None:
            return None
        owner = found[0]
        if isinstance(value, ast.Call) and (
            owner.qualify(value.func) == apis.LOGGER_FACTORY
            or apis.client_factory(owner.qualify(value.func))
        ):
            return None
        for part in ast.walk(value):
            if isinstance(part, ast.Name | ast.Attribute):
                api = apis.match(owner.qualify(part))
                if api is not None and api.rule is RuleId.ENVIRONMENT:
                    return f"{owner.path.name}:{value.lineno}"
        return None
