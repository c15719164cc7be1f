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
- v1 model: a folder with `function.json` (read as the host reads it, `function_json`)
  whose trigger binding is `orchestrationTrigger`, `activityTrigger` or `entityTrigger`, its
  primary script file (`scriptFile`, else `__init__.py`: azure-functions-host
  `HostFunctionMetadataProvider.DeterminePrimaryScriptFile`) exporting `entryPoint`
  (default `main`) as `df.Orchestrator.create(fn)`, `df.Entity.create(fn)`, or a `main`
  that calls `df.Orchestrator.create(fn)(context)`.

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
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from scripts.stages.lint import function_json
from scripts.stages.lint.funcignore import FuncIgnore
from scripts.stages.lint.source import AppSource, FunctionNode, Module


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
    "orchestrationtrigger": (Kind.ORCHESTRATOR, "orchestration"),
    "activitytrigger": (Kind.ACTIVITY, "activity"),
    "entitytrigger": (Kind.ENTITY, "entityName"),
}
"""Binding type -> (kind, the binding property that names the function to the extension)."""
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
DYNAMIC_IMPORTS = frozenset({"importlib.import_module", "builtins.__import__"})
ENTRY_MODULE = "function_app"
"""The module the Python worker imports to index a v2 app (its PYTHON_SCRIPT_FILE_NAME default)."""
DEFAULT_SCRIPT = "__init__.py"


@dataclass
class DurableFunction:
    kind: Kind
    name: str
    """The name the Durable extension registers it under."""
    code: tuple[Module, FunctionNode] | None
    path: Path
    line: int
    """Where it is declared (its function.json for v1)."""
    owner: str | None = None
    """The v2 app object or blueprint it is registered on, as a dotted name."""
    module: str | None = None
    """The v2 module declaring it (None for v1 functions, which the host always indexes)."""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class AppModel:
    root: Path
    source: AppSource
    functions: list[DurableFunction] = field(default_factory=list)
    registered: set[str] = field(default_factory=set)
    """Blueprints the indexed app object registers."""
    blueprints: set[str] = field(default_factory=set)
    indexed_apps: set[str] = field(default_factory=set)
    """The app object(s) among `function_app.py`'s top-level names (more than one: refused)."""
    entries: list[str] = field(default_factory=list)
    """Modules the host imports first: `function_app` (v2) or each function's script (v1)."""
    reached: set[str] = field(default_factory=set)
    """Modules the host imports to load the app (a broken one stops it)."""
    indexed: set[str] = field(default_factory=set)
    """Modules importing `function_app.py` loads: where v2 registrations count."""
    unnamed: list[str] = field(default_factory=list)
    """Registrations whose name the source does not spell out."""
    unread: list[str] = field(default_factory=list)
    """Orchestrator registrations not at module level (in a function, a branch, a loop over
    something other than a literal): their code cannot be found, so it is not checked."""
    dynamic: list[str] = field(default_factory=list)
    """Imports and blueprint registrations through values computed at run time."""
    notes: list[str] = field(default_factory=list)
    """Functions the host leaves out (an unreadable function.json, a non-Python script)."""

    def why_not_counted(self, function: DurableFunction) -> str | None:
        """None when the host indexes the function, else why it does not."""
        if function.module is not None and function.module not in self.indexed:
            return f"module {function.module} is not imported from {ENTRY_MODULE}.py"
        owner = function.owner or ""
        short = owner.rpartition(".")[2]
        if owner in self.blueprints and owner not in self.registered:
            return f"it is in blueprint {short}, which no app registers (register_functions)"
        if function.module is not None and owner not in self.blueprints | self.indexed_apps:
            return f"its app object {owner} is not the one {ENTRY_MODULE}.py holds"
        return None

    def counted(self, function: DurableFunction) -> bool:
        return self.why_not_counted(function) is None

    def of_kind(self, kind: Kind) -> list[DurableFunction]:
        return [f for f in self.functions if f.kind is kind and self.counted(f)]


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
            for bound in _literal_rounds(stmt) or []:
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


def _v1_script(folder: Path, spec: dict[str, object]) -> Path | None:
    """The primary script file, as the host picks it (see the module docstring)."""
    given = spec.get("scriptFile")
    if isinstance(given, str) and given:
        return (folder / given).resolve()
    files = [p for p in folder.iterdir() if p.is_file() and p.name.lower() != "function.json"]
    if len(files) == 1:
        return files[0].resolve()
    primary = next((p for p in files if p.name.lower() == DEFAULT_SCRIPT), None)
    return primary.resolve() if primary else None


def _v1_functions(app: AppModel, ignore: FuncIgnore) -> Iterator[DurableFunction]:
    for config in sorted(app.root.glob("*/function.json")):
        if ignore.denies(config.relative_to(app.root).as_posix()):
            continue
        try:
            spec = function_json.read(config)
        except ValueError as exc:
            app.notes.append(f"{config}: the host cannot read it ({exc}); that function is off")
            continue
        script = _v1_script(config.parent, spec)
        module = app.source.module_at(script) if script else None
        app.entries.extend([module.name] if module else [])
        types = {str(function_json.binding_value(b, "type")).lower(): b for b in spec["bindings"]}
        trigger = next((t for t in types if t in V1_TRIGGERS), None)
        if trigger is None:
            continue
        if script is None or script.suffix != ".py":
            app.notes.append(f"{config}: not a Python function ({script or 'no script file'})")
            continue
        kind, key = V1_TRIGGERS[trigger]
        given = function_json.binding_value(types[trigger], key)
        name = given if isinstance(given, str) and given else config.parent.name
        code = None
        if module is not None and kind in CREATE_CALLS:
            entry = spec.get("entryPoint")
            code = _v1_entry(app, module, entry if isinstance(entry, str) else "main", kind)
        yield DurableFunction(kind, name, code, config, 1)


def _created(module: Module, value: ast.expr | None, create: str) -> ast.expr | None:
    """`df.Orchestrator.create(fn)` or `df.Orchestrator.create(fn)(context)` -> fn."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Call):
        value = value.func
    if isinstance(value, ast.Call) and module.qualify(value.func) == create and value.args:
        return value.args[0]
    return None


def _v1_entry(
    app: AppModel, module: Module, entry: str, kind: Kind
) -> tuple[Module, FunctionNode] | None:
    """The function the entry point runs as the orchestrator (or entity)."""
    create = CREATE_CALLS[kind]
    fn = _created(module, module.assigned.get(entry), create)
    if fn is None and entry in module.defs:
        for node in ast.walk(module.defs[entry]):
            fn = fn or (_created(module, node, create) if isinstance(node, ast.Call) else None)
        if fn is None:
            return module, module.defs[entry]
    return app.source.function(module.qualify(fn)) if fn is not None else None


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
    app.functions.extend(_v1_functions(app, FuncIgnore.of(app.root)))
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
