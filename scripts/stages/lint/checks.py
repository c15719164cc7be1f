"""What one function body reached from an orchestrator does that cannot replay.

One pass over the body, with the names that hold the orchestration context in it. Calls
into the app's own functions are handed back as callees, so `walk` can follow them.

Code that runs only once per orchestration (`flow.runs_once`) or only when not replaying
(`guards`) cannot differ between replays nor repeat, so the rules about that (`QUIETED`)
say nothing there; a helper called from such code inherits it, unless it is a generator
the orchestrator goes on to drive.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from scripts.stages.lint import apis, guards, loops
from scripts.stages.lint.flow import is_generator
from scripts.stages.lint.rules import RuleId
from scripts.stages.lint.scope import Scope, nested
from scripts.stages.lint.source import AppSource, FunctionNode, Module
from scripts.stages.lint.values import Values

NameProblem = Callable[[str, str], str | None]
"""(kind, name) -> why the app does not define it, or None when it does."""


QUIETED = frozenset(
    {
        RuleId.WALL_CLOCK,
        RuleId.RANDOMNESS,
        RuleId.IO,
        RuleId.ENVIRONMENT,
        RuleId.REPLAY_LOGGING,
    }
)
"""Rules about a value that differs on replay or a line that repeats: moot in code that
runs once. Writing module state (DDZ010), blocking (DDZ003) and threads (DDZ004) are not."""
ENV_FIX = "pass it as orchestration input or read it in an activity"


@dataclass(frozen=True)
class Hit:
    rule: RuleId
    line: int
    col: int
    subject: str
    """The code, as written, that the rule's problem is about."""
    detail: str = ""


@dataclass(frozen=True)
class Callee:
    module: Module
    node: FunctionNode
    context: frozenset[str]
    """Parameters of the callee that receive the orchestration context."""
    quiet: bool = False
    """Called from code that runs once (or only when not replaying), and runs to its end."""


def _truthy_constant(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


class FunctionChecker(ast.NodeVisitor):
    def __init__(
        self,
        source: AppSource,
        module: Module,
        node: FunctionNode,
        context: frozenset[str],
        names: NameProblem | None,
        *,
        once: frozenset[int] = frozenset(),
        quiet: bool = False,
    ) -> None:
        self.source, self.module, self.node = source, module, node
        self.context = context
        self.names = names
        self.scope = Scope.of(node)
        self.values = Values(source, module, self.scope)
        self.qualify = self.values.qualify
        self.hits: list[Hit] = []
        self.callees: list[Callee] = []
        self.once = once
        """Statements that run only once (the orchestrator's own, from `flow`)."""
        self.quiet = int(quiet)
        self.orchestrator = False
        self.pending: dict[str, tuple[ast.stmt, ast.Call]] = {}
        """Names holding durable tasks: each must be read somewhere (yielded, combined)."""

    def run(self, *, orchestrator: bool) -> tuple[list[Hit], list[Callee]]:
        self.orchestrator = orchestrator
        if orchestrator and isinstance(self.node, ast.AsyncFunctionDef):
            self._hit(RuleId.THREADS_AND_ASYNC, self.node, f"`async def {self.node.name}`")
        for stmt in self.node.body:
            self.visit(stmt)
        self._unyielded_names()
        self._written_globals()
        return self.hits, self.callees

    # -- helpers ---------------------------------------------------------------------------

    def visit(self, node: ast.AST) -> None:
        once = isinstance(node, ast.stmt) and id(node) in self.once
        self.quiet += once
        super().visit(node)
        self.quiet -= once

    def _hit(self, rule: RuleId, node: ast.AST, subject: str, detail: str = "") -> None:
        if self.quiet and rule in QUIETED:
            return
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
        self.hits.append(Hit(rule, line, col, subject, detail))

    def _context_method(self, expr: ast.expr) -> str | None:
        """`context.<method>` -> method, for a name holding the orchestration context."""
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id in self.context
        ):
            return expr.attr
        return None

    def _durable_task(self, expr: ast.expr | None) -> bool:
        if isinstance(expr, ast.ListComp | ast.GeneratorExp):
            expr = expr.elt
        return isinstance(expr, ast.Call) and self._context_method(expr.func) in apis.YIELDABLE

    @staticmethod
    def _task_call(expr: ast.expr) -> ast.Call:
        call = expr.elt if isinstance(expr, ast.ListComp | ast.GeneratorExp) else expr
        assert isinstance(call, ast.Call)
        return call

    def _module_global(self, expr: ast.expr, *, mutable: bool) -> str | None:
        """The module-level name `expr` is (not shadowed), if it is one."""
        if not isinstance(expr, ast.Name) or expr.id in self.scope.locals:
            return None
        found = self.source.resolve(self.module.qualify(expr))
        if found is None or found[1] not in found[0].assigned:
            return None
        owner, name = found
        return name if not mutable or owner.is_mutable_global(name) else None

    def _string(self, expr: ast.expr | None) -> str | None:
        if isinstance(expr, ast.Name) and expr.id in self.scope.single:
            return self._string(self.scope.single[expr.id])
        if isinstance(expr, ast.Name) and expr.id not in self.scope.locals:
            found = self.source.resolve(self.module.qualify(expr))
            if found:
                value = found[0].assigned.get(found[1])
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return value.value
                return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        return None

    def _target_name(self, call: ast.Call, kind: str, keyword: str) -> str | None:
        given = next((k.value for k in call.keywords if k.arg == keyword), None)
        given = given if given is not None else (call.args[0] if call.args else None)
        if kind != "entity":
            return self._string(given)
        if isinstance(given, ast.Name) and given.id in self.scope.single:
            given = self.scope.single[given.id]
        if isinstance(given, ast.Call) and self.qualify(given.func) in apis.ENTITY_ID:
            name = next((k.value for k in given.keywords if k.arg == "name"), None)
            if name is None and given.args:
                name = given.args[0]
            return self._string(name)
        return None

    # -- calls -----------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        dotted = self.qualify(node.func)
        api = None if apis.client_factory(dotted) else apis.match(dotted)
        if api is not None and api.rule is not None:
            arity = len(node.args) + len(node.keywords)
            if api.calls_only_with is None or arity <= api.calls_only_with:
                self._hit(api.rule, node, f"`{ast.unparse(node.func)}()`")
            for arg in [*node.args, *node.keywords]:
                self.visit(arg)
            return
        method = self._context_method(node.func)
        if method in apis.TARGETS and self.names is not None:
            kind, keyword = apis.TARGETS[method]
            name = self._target_name(node, kind, keyword)
            problem = self.names(kind, name) if name is not None else None
            if problem:
                subject = f"{kind} {name!r} in `{ast.unparse(node.func)}(...)`"
                self._hit(RuleId.UNKNOWN_NAME, node, subject, problem)
        self._logging(node, dotted)
        self._client_call(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in apis.MUTATING_METHODS:
            name = self._module_global(node.func.value, mutable=True)
            if name:
                self._hit(RuleId.MODULE_STATE, node, f"`{ast.unparse(node.func)}()`")
        if api is None:
            self._follow(node, dotted)
        self.generic_visit(node)

    def _logging(self, node: ast.Call, dotted: str | None) -> None:
        if dotted == apis.PRINT:
            self._hit(RuleId.REPLAY_LOGGING, node, "`print()`")
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in apis.LOG_METHODS
            and (dotted == f"logging.{node.func.attr}" or self.values.logger(node.func.value))
        ):
            self._hit(RuleId.REPLAY_LOGGING, node, f"`{ast.unparse(node.func)}()`")

    def _client_call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr not in apis.SUB_CLIENT_METHODS
            and self.values.client(func.value)
        ):
            self._hit(RuleId.IO, node, f"`{ast.unparse(func)}()`")

    def _follow(self, node: ast.Call, dotted: str | None) -> None:
        """A call into the app's own code: its body runs in the orchestrator too."""
        target = self.source.function(dotted)
        if target is None:
            return
        callee_module, callee = target
        params = [a.arg for a in [*callee.args.posonlyargs, *callee.args.args]]
        context = {
            params[i]
            for i, arg in enumerate(node.args)
            if isinstance(arg, ast.Name) and arg.id in self.context and i < len(params)
        }
        context |= {
            k.arg
            for k in node.keywords
            if k.arg and isinstance(k.value, ast.Name) and k.value.id in self.context
        }
        quiet = self.quiet > 0 and not is_generator(callee)
        self.callees.append(Callee(callee_module, callee, frozenset(context), quiet))

    # -- names and attributes --------------------------------------------------------------

    def _reference(self, node: ast.Name | ast.Attribute) -> None:
        api = apis.match(self.qualify(node)) if isinstance(node.ctx, ast.Load) else None
        if api is not None and api.rule in apis.REFERENCE_RULES:
            self._hit(api.rule, node, f"`{ast.unparse(node)}`")
            return
        read = self.values.read_from_environment(node) if isinstance(node.ctx, ast.Load) else None
        if read is not None:
            detail = f"it was read from the environment at import ({read}): {ENV_FIX}"
            self._hit(RuleId.ENVIRONMENT, node, f"`{ast.unparse(node)}`", detail)
            return
        self.generic_visit(node)

    visit_Name = _reference
    visit_Attribute = _reference

    # -- statements ------------------------------------------------------------------------

    def visit_Expr(self, node: ast.Expr) -> None:
        if self._durable_task(node.value):
            assert isinstance(node.value, ast.Call)
            self._hit(RuleId.NEVER_YIELDED, node, f"`{ast.unparse(node.value.func)}(...)`")
        elif (
            isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in ("append", "extend", "add")
            and isinstance(node.value.func.value, ast.Name)
            and any(self._durable_task(a) for a in node.value.args)
        ):
            task = next(a for a in node.value.args if self._durable_task(a))
            self.pending.setdefault(node.value.func.value.id, (node, self._task_call(task)))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        target = node.targets[0]
        single = len(node.targets) == 1 and isinstance(target, ast.Name)
        if single and isinstance(target, ast.Name) and self._durable_task(node.value):
            self.pending[target.id] = (node, self._task_call(node.value))
        self._stores(node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._stores([node.target])
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._stores(node.targets)
        self.generic_visit(node)

    def _stores(self, targets: list[ast.expr]) -> None:
        for target in targets:
            if isinstance(target, ast.Subscript):
                name = self._module_global(target.value, mutable=True)
            elif isinstance(target, ast.Attribute):
                name = self._module_global(target.value, mutable=False)
            else:
                continue
            if name:
                self._hit(RuleId.MODULE_STATE, target, f"`{ast.unparse(target)} = ...`")

    def _written_globals(self) -> None:
        written = {
            n.id
            for n in nested(self.node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)
        }
        for name, statement in self.scope.globals.items():
            if name in written:
                self._hit(RuleId.MODULE_STATE, statement, f"`global {name}` with an assignment")

    def _unyielded_names(self) -> None:
        receivers = {
            id(n.func.value)
            for n in nested(self.node)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("append", "extend", "add")
        }
        read = {
            n.id
            for n in ast.walk(self.node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in receivers
        }
        for name, (statement, call) in self.pending.items():
            if name not in read:
                subject = f"`{ast.unparse(call.func)}(...)` kept in `{name}`"
                self._hit(RuleId.NEVER_YIELDED, statement, subject)

    def visit_Return(self, node: ast.Return) -> None:
        if self.orchestrator and self._durable_task(node.value):
            assert isinstance(node.value, ast.Call)
            subject = f"`return {ast.unparse(node.value.func)}(...)`"
            self._hit(RuleId.NEVER_YIELDED, node, subject, "write `return (yield ...)`")
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        self._hit(RuleId.THREADS_AND_ASYNC, node, "`await`")
        self.generic_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._hit(RuleId.THREADS_AND_ASYNC, node, "`async for`")
        self.generic_visit(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._hit(RuleId.THREADS_AND_ASYNC, node, "`async with`")
        self.generic_visit(node)

    def _unbounded(self, loop: ast.While | ast.For, subject: str) -> None:
        methods = {self._context_method(n.func) for n in nested(loop) if isinstance(n, ast.Call)}
        if methods & apis.HISTORY_GROWING and "continue_as_new" not in methods:
            self._hit(RuleId.UNBOUNDED_LOOP, loop, subject)

    def visit_While(self, node: ast.While) -> None:
        if _truthy_constant(node.test) or loops.ended_only_by_durable_results(node):
            self._unbounded(node, f"`while {ast.unparse(node.test)}:`")
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        if isinstance(node.iter, ast.Call) and self.qualify(node.iter.func) in (
            apis.UNBOUNDED_ITERATORS
        ):
            self._unbounded(node, f"`for ... in {ast.unparse(node.iter)}:`")
        self.generic_visit(node)

    def _replaying(self, test: ast.expr) -> bool:
        return (
            isinstance(test, ast.Attribute)
            and test.attr == "is_replaying"
            and self._context_method(test) is not None
        )

    def visit_If(self, node: ast.If) -> None:
        body, orelse = guards.branches(node.test, self._replaying)
        self.visit(node.test)
        for branch, guarded in ((node.body, body), (node.orelse, orelse)):
            self.quiet += guarded
            for stmt in branch:
                self.visit(stmt)
            self.quiet -= guarded
