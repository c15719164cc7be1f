"""Which functions of an app are orchestrators, activities and entities, and by which names.

Read from the source, as the Functions host indexes them:
- v2 model (azure-functions-durable `DFApp`/`Blueprint`, azure-functions `FunctionApp`):
  the `orchestration_trigger`/`activity_trigger`/`entity_trigger` decorators, with
  `function_name`, written as decorators or as calls (`app.function_name("X")(
  app.activity_trigger(input_name="x")(fn))`, also in a `for` over a literal). The worker
  imports `function_app.py` and indexes the one function app object among its top-level
  names, refusing more than one (azure-functions-python-worker `loader.index_function_app`:
  "More than one ... function app instances are defined"). So a function counts only when
  it is registered on that object, or in a blueprint a `register_functions` /
  `register_blueprint` on it adds, in a module importing `function_app.py` loads
  (`AppSource.reachable`); an app object anywhere else is dead code;
- v1 model: function folders with `function.json` (`function_folders`).

The name the Durable extension registers is the trigger's own name when it has one, else
the function's name (`ActivityTriggerAttributeBindingProvider`,
`OrchestrationTriggerAttributeBindingProvider`, `EntityTriggerAttributeBindingProvider` in
azure-functions-durable-extension: `trigger.Activity` / `.Orchestration` / `.EntityName`,
then `[FunctionName]`): the v1 binding's `activity`/`orchestration`/`entityName` property,
the v2 decorator's `activity`/`orchestration`/`entity_name` argument.

What the source cannot settle is recorded rather than guessed: a name built at run time
(`unnamed`), a blueprint registered or a module imported through a value computed at run
time (`dynamic`: every module then counts as reached, and no name is called unregistered).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from scripts.stages.lint.app_model import ENTRY_MODULE, AppModel, DurableFunction, Kind
from scripts.stages.lint.funcignore import FuncIgnore
from scripts.stages.lint.function_folders import folder_functions
from scripts.stages.lint.source import AppSource, FunctionNode, Module

TRIGGERS = {
    "orchestration_trigger": (Kind.ORCHESTRATOR, "orchestration"),
    "activity_trigger": (Kind.ACTIVITY, "activity"),
    "entity_trigger": (Kind.ENTITY, "entity_name"),
}
APP_TYPES = {
    "azure.durable_functions.DFApp": False,
    "azure.functions.FunctionApp": False,
    "azure.durable_functions.Blueprint": True,
    "azure.functions.Blueprint": True,
}
"""Constructor -> is a blueprint (its functions count only once registered)."""
REGISTER_METHODS = ("register_functions", "register_blueprint")
DYNAMIC_IMPORTS = frozenset({"importlib.import_module", "builtins.__import__"})


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


def _given(expr: ast.expr | None) -> bool:
    return expr is not None and not (isinstance(expr, ast.Constant) and expr.value is None)


@dataclass
class _Registration:
    kind: Kind | None = None
    trigger_name: ast.expr | None = None
    function_name: ast.expr | None = None
    owner: str | None = None
    target: ast.expr | FunctionNode | None = None


class _V2Scanner:
    def __init__(self, app: AppModel, module: Module, apps: dict[str, bool]) -> None:
        self.app, self.module, self.apps = app, module, apps
        self.read: set[int] = set()
        """The trigger and register calls this scan understood; any other is one it missed."""

    def _owner(self, expr: ast.expr) -> str | None:
        dotted = self.module.qualify(expr)
        return dotted if dotted in self.apps else None

    def _apply(self, registration: _Registration, decorator: ast.expr) -> bool:
        """Fold one `<app>.<method>(...)` into the registration; False if it is not one."""
        if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
            return False
        owner = self._owner(decorator.func.value)
        method = decorator.func.attr
        if owner is None:
            return False
        registration.owner = owner
        if method == "function_name":
            registration.function_name = _argument(decorator, "name", 0)
        elif method in TRIGGERS:
            kind, keyword = TRIGGERS[method]
            registration.kind = kind
            given = _argument(decorator, keyword, 1)
            registration.trigger_name = given if _given(given) else None
        self.read.add(id(decorator))
        return True

    def _record(self, registration: _Registration, line: int, env: Env) -> None:
        if registration.kind is None or registration.target is None:
            return
        if isinstance(registration.target, ast.FunctionDef | ast.AsyncFunctionDef):
            code: tuple[Module, FunctionNode] | None = (self.module, registration.target)
            default: str | None = registration.target.name
        else:
            dotted = self.module.qualify(registration.target)
            code = self.app.source.function(dotted)
            default = dotted.rpartition(".")[2] if dotted else None
        spelled = registration.trigger_name or registration.function_name
        name = _string(self.module, spelled, env) if spelled is not None else default
        if name is None:
            self.app.unnamed.append(f"{self.module.path}:{line}")
            return
        self.app.functions.append(
            DurableFunction(
                registration.kind,
                name,
                code,
                self.module.path,
                line,
                registration.owner,
                self.module.name,
            )
        )

    def _chain(self, call: ast.expr) -> _Registration | None:
        """`a(...)(b(...)(target))`: decorator calls applied to a target, outermost first."""
        registration = _Registration()
        node = call
        while isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            if not self._apply(registration, node.func):
                return None
            node = node.args[0]
        registration.target = node
        return registration if registration.kind else None

    def _statement(self, stmt: ast.stmt, env: Env) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            registration = _Registration(target=stmt)
            for decorator in stmt.decorator_list:
                self._apply(registration, decorator)
            self._record(registration, stmt.lineno, env)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._register_blueprint(stmt.value, env)
            found = self._chain(stmt.value)
            if found:
                self._record(found, stmt.lineno, env)
        elif isinstance(stmt, ast.For):
            for bound in _literal_rounds(stmt, self.module) or []:
                for inner in stmt.body:
                    self._statement(inner, {**env, **bound})

    def _register_blueprint(self, call: ast.Call, env: Env) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in REGISTER_METHODS and call.args):
            return
        argument = call.args[0]
        if isinstance(argument, ast.Name) and argument.id in env:
            argument = env[argument.id]
        dotted = self.module.qualify(argument)
        if dotted in self.apps:
            receiver = self.module.qualify(func.value)
            if receiver not in self.apps or receiver in self.app.indexed_apps:
                self.app.registered.add(dotted)
            self.read.add(id(call))

    def scan(self) -> None:
        for stmt in self.module.tree.body:
            self._statement(stmt, {})
        for node in ast.walk(self.module.tree):
            if not (isinstance(node, ast.Call) and id(node) not in self.read):
                continue
            where = f"{self.module.path}:{node.lineno}"
            method = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if method in TRIGGERS:
                missed = self.app.unread if method == "orchestration_trigger" else None
                (missed if missed is not None else self.app.unnamed).append(where)
            elif method in REGISTER_METHODS or _dynamic_import(self.module, node):
                self.app.dynamic.append(where)


def _dynamic_import(module: Module, call: ast.Call) -> bool:
    if module.qualify(call.func) not in DYNAMIC_IMPORTS or not call.args:
        return False
    return not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str))


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


def _literal_rounds(loop: ast.For, module: Module) -> list[Env] | None:
    """The bindings of each round of a `for` over a literal (or a module-level name bound to
    one, `BLUEPRINTS = [orders.bp, shipping.bp]`), or None if not literal."""
    source = loop.iter
    if isinstance(source, ast.Name) and source.id in module.assigned:
        source = module.assigned[source.id]
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


def is_app_root(folder: Path) -> bool:
    """A folder the host runs as a Python app: `function_app.py` or function folders."""
    return (folder / f"{ENTRY_MODULE}.py").is_file() or any(folder.glob("*/function.json"))


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
    app.functions.extend(folder_functions(app, FuncIgnore.of(app.root)))
    app.blueprints = {name for name, blueprint in apps.items() if blueprint}
    entry = app.source.modules.get(ENTRY_MODULE)
    if entry is not None and entry.path.parent == app.root:
        visible = [
            entry.imports.get(n, f"{ENTRY_MODULE}.{n}")
            for n in entry.imports.keys() | entry.assigned.keys()
        ]
        app.indexed_apps = {name for name in visible if apps.get(name) is False}
    v2 = (app.root / f"{ENTRY_MODULE}.py").is_file()
    app.entries.extend([ENTRY_MODULE] if v2 else [])
    everything = set(app.source.modules)
    app.reached = app.source.reachable(app.entries) if app.entries else everything
    indexed = app.source.reachable([ENTRY_MODULE]) if v2 else set()
    app.indexed = indexed if app.entries else everything
    for name in sorted(everything):
        # A module the v2 indexing never imports is dead code to the host: its functions are
        # kept only so that a call into one can say why it is unknown.
        scanned = app if name in app.indexed else AppModel(app.root, app.source)
        _V2Scanner(scanned, app.source.modules[name], apps).scan()
        if scanned is not app:
            app.functions.extend(scanned.functions)
    if app.dynamic:
        app.reached = app.indexed = everything
        app.registered = set(app.blueprints)
        app.indexed_apps = {name for name, blueprint in apps.items() if not blueprint}
    return app
