"""Which functions of an app are orchestrators, activities and entities, and by which names.

Read from the source, as the Functions host would index them:
- v2 model (azure-functions-durable `DFApp`/`Blueprint`, azure-functions `FunctionApp`):
  the `orchestration_trigger`/`activity_trigger`/`entity_trigger` decorators, with
  `function_name`, written as decorators or as calls (`app.function_name("X")(
  app.activity_trigger(input_name="x")(fn))`, also in a `for` over a literal), and
  blueprints counted only once `register_functions`/`register_blueprint` adds them;
- v1 model: a folder with `function.json` whose trigger binding is `orchestrationTrigger`,
  `activityTrigger` or `entityTrigger`, named after the folder, its `scriptFile` exporting
  `entryPoint` (default `main`) as `df.Orchestrator.create(fn)` / `df.Entity.create(fn)`.
A function name the source does not spell out (built at run time) makes the name list
incomplete, and the unknown-name rule is then not checked rather than guessed.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from scripts.stages.lint.source import AppSource, FunctionNode, Module
from taskhub.errors import ConfigurationError


class Kind(StrEnum):
    ORCHESTRATOR = "orchestrator"
    ACTIVITY = "activity"
    ENTITY = "entity"


TRIGGERS = {
    "orchestration_trigger": (Kind.ORCHESTRATOR, "orchestration"),
    "activity_trigger": (Kind.ACTIVITY, "activity"),
    "entity_trigger": (Kind.ENTITY, "entity_name"),
}
V1_TRIGGERS = {
    "orchestrationtrigger": Kind.ORCHESTRATOR,
    "activitytrigger": Kind.ACTIVITY,
    "entitytrigger": Kind.ENTITY,
}
APP_TYPES = {
    "azure.durable_functions.DFApp": False,
    "azure.functions.FunctionApp": False,
    "azure.durable_functions.Blueprint": True,
    "azure.functions.Blueprint": True,
}
"""Constructor -> is a blueprint (its functions count only once registered)."""
CREATE_CALLS = {
    Kind.ORCHESTRATOR: "azure.durable_functions.Orchestrator.create",
    Kind.ENTITY: "azure.durable_functions.Entity.create",
}
REGISTER_METHODS = ("register_functions", "register_blueprint")


@dataclass
class DurableFunction:
    kind: Kind
    names: tuple[str, ...]
    """Every name the runtime may know it by (function name, trigger argument)."""
    code: tuple[Module, FunctionNode] | None
    where: str
    """Where it is declared, `file:line`, for reports."""
    blueprint: str | None = None

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass
class AppModel:
    root: Path
    source: AppSource
    functions: list[DurableFunction] = field(default_factory=list)
    registered: set[str] = field(default_factory=set)
    """Blueprints some app registers."""
    has_app: bool = False
    unnamed: list[str] = field(default_factory=list)
    """Registrations whose name the source does not spell out."""
    unread: list[str] = field(default_factory=list)
    """Orchestrator registrations not at module level (in a function, a branch, a loop over
    something other than a literal): their code cannot be found, so it is not checked."""

    def counted(self, function: DurableFunction) -> bool:
        """Whether the runtime will know this function (its blueprint is registered)."""
        return function.blueprint is None or function.blueprint in self.registered

    def of_kind(self, kind: Kind) -> list[DurableFunction]:
        return [f for f in self.functions if f.kind is kind]


Env = dict[str, ast.expr]


def _string(module: Module, expr: ast.expr | None, env: Env) -> str | None:
    if isinstance(expr, ast.Name) and expr.id in env:
        return _string(module, env[expr.id], {})
    if isinstance(expr, ast.Name) and expr.id in module.assigned:
        return _string(module, module.assigned[expr.id], {})
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def _argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


@dataclass
class _Registration:
    kind: Kind | None = None
    names: list[str | None] = field(default_factory=list)
    owner: str | None = None
    target: ast.expr | FunctionNode | None = None


class _V2Scanner:
    def __init__(self, app: AppModel, module: Module, apps: dict[str, bool]) -> None:
        self.app, self.module, self.apps = app, module, apps
        self.read: set[int] = set()
        """The trigger calls this scan understood; any other one is a registration it missed."""

    def _owner(self, expr: ast.expr) -> str | None:
        dotted = self.module.qualify(expr)
        return dotted if dotted in self.apps else None

    def _apply(self, registration: _Registration, decorator: ast.expr, env: Env) -> bool:
        """Fold one `<app>.<method>(...)` into the registration; False if it is not one."""
        if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
            return False
        owner = self._owner(decorator.func.value)
        method = decorator.func.attr
        if owner is None:
            return False
        registration.owner = owner
        if method == "function_name":
            registration.names.insert(0, _string(self.module, _argument(decorator, "name", 0), env))
        elif method in TRIGGERS:
            kind, keyword = TRIGGERS[method]
            registration.kind = kind
            given = _argument(decorator, keyword, 1)
            if given is not None and not (isinstance(given, ast.Constant) and given.value is None):
                registration.names.append(_string(self.module, given, env))
        self.read.add(id(decorator))
        return True

    def _record(self, registration: _Registration, line: int) -> None:
        if registration.kind is None or registration.target is None:
            return
        if isinstance(registration.target, ast.FunctionDef | ast.AsyncFunctionDef):
            code: tuple[Module, FunctionNode] | None = (self.module, registration.target)
            default: str | None = registration.target.name
        else:
            dotted = self.module.qualify(registration.target)
            code = self.app.source.function(dotted)
            default = dotted.rpartition(".")[2] if dotted else None
        if None in registration.names or not (registration.names or default):
            self.app.unnamed.append(f"{self.module.path}:{line}")
        names = [n for n in registration.names if n] or ([default] if default else [])
        if names:
            blueprint = registration.owner if self.apps.get(registration.owner or "") else None
            self.app.functions.append(
                DurableFunction(
                    registration.kind,
                    tuple(names),
                    code,
                    f"{self.module.path}:{line}",
                    blueprint,
                )
            )

    def _chain(self, call: ast.expr, env: Env) -> _Registration | None:
        """`a(...)(b(...)(target))`: decorator calls applied to a target, outermost first."""
        registration = _Registration()
        node = call
        while isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            if not self._apply(registration, node.func, env):
                return None
            node = node.args[0]
        registration.target = node
        return registration if registration.kind else None

    def _statement(self, stmt: ast.stmt, env: Env) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            registration = _Registration(target=stmt)
            for decorator in stmt.decorator_list:
                self._apply(registration, decorator, env)
            self._record(registration, stmt.lineno)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._register_blueprint(stmt.value)
            found = self._chain(stmt.value, env)
            if found:
                self._record(found, stmt.lineno)
        elif isinstance(stmt, ast.For):
            for bound in _literal_rounds(stmt) or []:
                for inner in stmt.body:
                    self._statement(inner, {**env, **bound})

    def _register_blueprint(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in REGISTER_METHODS and call.args:
            dotted = self.module.qualify(call.args[0])
            if dotted:
                self.app.registered.add(dotted)

    def scan(self) -> None:
        for stmt in self.module.tree.body:
            self._statement(stmt, {})
        for node in ast.walk(self.module.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in TRIGGERS
                and id(node) not in self.read
            ):
                where = f"{self.module.path}:{node.lineno}"
                missed = self.app.unread if node.func.attr == "orchestration_trigger" else None
                (missed if missed is not None else self.app.unnamed).append(where)


def _bind(target: ast.expr, value: ast.expr) -> Env | None:
    if isinstance(target, ast.Name):
        return {target.id: value}
    if (
        isinstance(target, ast.Tuple)
        and isinstance(value, ast.Tuple)
        and len(target.elts) == len(value.elts)
    ):
        bound: Env = {}
        for t, v in zip(target.elts, value.elts, strict=True):
            one = _bind(t, v)
            if one is None:
                return None
            bound.update(one)
        return bound
    return None


def _literal_rounds(loop: ast.For) -> list[Env] | None:
    """The bindings of each round of a `for` over a literal, or None if not literal."""
    source = loop.iter
    if (
        isinstance(source, ast.Call)
        and isinstance(source.func, ast.Attribute)
        and isinstance(source.func.value, ast.Dict)
        and source.func.attr == "items"
    ):
        pairs = source.func.value
        items: list[ast.expr] = [
            ast.Tuple(elts=[k, v], ctx=ast.Load())
            for k, v in zip(pairs.keys, pairs.values, strict=True)
            if k is not None
        ]
    elif isinstance(source, ast.List | ast.Tuple):
        items = list(source.elts)
    else:
        return None
    rounds = [_bind(loop.target, item) for item in items]
    return None if any(r is None for r in rounds) else [r for r in rounds if r is not None]


def _v1_functions(app: AppModel) -> Iterator[DurableFunction]:
    for config in sorted(app.root.glob("*/function.json")):
        try:
            spec = json.loads(config.read_text(encoding="utf-8"))
            types = [str(b.get("type", "")).lower() for b in spec.get("bindings", [])]
        except (OSError, ValueError, AttributeError) as exc:
            raise ConfigurationError(
                f"{config}: not a function.json the host can read ({exc})",
                fix="fix the JSON (it needs a `bindings` list)",
            ) from exc
        kind = next((V1_TRIGGERS[t] for t in types if t in V1_TRIGGERS), None)
        if kind is None:
            continue
        script = (config.parent / spec.get("scriptFile", "__init__.py")).resolve()
        module = app.source.module_at(script)
        code = None
        if module is not None and kind in CREATE_CALLS:
            code = _v1_entry(app, module, spec.get("entryPoint", "main"), CREATE_CALLS[kind])
        yield DurableFunction(kind, (config.parent.name,), code, str(config))


def _v1_entry(
    app: AppModel, module: Module, entry: str, create: str
) -> tuple[Module, FunctionNode] | None:
    """`main = df.Orchestrator.create(fn)` -> fn; a plain `def main` is the code itself."""
    value = module.assigned.get(entry)
    if isinstance(value, ast.Call) and module.qualify(value.func) == create and value.args:
        return app.source.function(module.qualify(value.args[0]))
    if entry in module.defs:
        return module, module.defs[entry]
    return None


def is_app_root(folder: Path) -> bool:
    return (
        (folder / "host.json").is_file()
        or (folder / "function_app.py").is_file()
        or any(folder.glob("*/function.json"))
    )


def discover(root: Path) -> AppModel:
    """Parse the app under `root` and find its durable functions."""
    app = AppModel(root.resolve(), AppSource.load(root.resolve()))
    apps: dict[str, bool] = {}
    for module in app.source.modules.values():
        for name, value in module.assigned.items():
            if isinstance(value, ast.Call):
                blueprint = APP_TYPES.get(module.qualify(value.func) or "")
                if blueprint is not None:
                    apps[f"{module.name}.{name}"] = blueprint
                    app.has_app = app.has_app or not blueprint
    for module in app.source.modules.values():
        _V2Scanner(app, module, apps).scan()
    app.functions.extend(_v1_functions(app))
    if not app.has_app:
        app.registered.update(name for name, blueprint in apps.items() if blueprint)
    return app
