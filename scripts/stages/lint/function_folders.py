"""v1 function folders: `<Function>/function.json` and the script the host runs for it.

A folder whose `function.json` (read as the host reads it, `function_json`) has an
`orchestrationTrigger`, `activityTrigger` or `entityTrigger` binding is a durable function
named after the folder, unless the binding names it (`orchestration`, `activity`,
`entityName`: the Durable extension registers `trigger.Activity ?? FunctionName`, see
`discovery`). Its primary script is `scriptFile`, else the only file, else `__init__.py`
(azure-functions-host `HostFunctionMetadataProvider.DeterminePrimaryScriptFile`), exporting
`entryPoint` (default `main`) as `df.Orchestrator.create(fn)`, `df.Entity.create(fn)`, or a
`main` that calls `df.Orchestrator.create(fn)(context)`: `fn` is the code that replays.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from scripts.stages.lint import function_json
from scripts.stages.lint.app_model import AppModel, DurableFunction, Kind
from scripts.stages.lint.funcignore import FuncIgnore
from scripts.stages.lint.source import FunctionNode, Module

V1_TRIGGERS = {
    "orchestrationtrigger": (Kind.ORCHESTRATOR, "orchestration"),
    "activitytrigger": (Kind.ACTIVITY, "activity"),
    "entitytrigger": (Kind.ENTITY, "entityName"),
}
"""Binding type -> (kind, the binding property that names the function to the extension)."""
CREATE_CALLS = {
    Kind.ORCHESTRATOR: "azure.durable_functions.Orchestrator.create",
    Kind.ENTITY: "azure.durable_functions.Entity.create",
}
PRIMARY_NAMES = frozenset({"index.js", "index.mjs", "index.cjs", "__init__.py"})
"""With several files and no `scriptFile`, the host takes `run.*` or one of these."""


def _v1_script(folder: Path, spec: dict[str, object]) -> Path | None:
    """The primary script file, as the host picks it; ValueError where the host fails the
    function ("The 'scriptFile' property is set to a file that does not exist")."""
    given = spec.get("scriptFile")
    if isinstance(given, str) and given:
        script = (folder / given).resolve()
        if not script.is_file():
            raise ValueError(f"its scriptFile {given!r} does not exist")
        return script
    files = [p for p in folder.iterdir() if p.is_file() and p.name.lower() != "function.json"]
    if len(files) == 1:
        return files[0].resolve()
    primary = next(
        (p for p in files if p.stem.lower() == "run" or p.name.lower() in PRIMARY_NAMES), None
    )
    return primary.resolve() if primary else None


def folder_functions(app: AppModel, ignore: FuncIgnore) -> Iterator[DurableFunction]:
    for config in sorted(app.root.glob("*/function.json")):
        if ignore.denies(config.relative_to(app.root).as_posix()):
            continue
        try:
            spec = function_json.read(config)
            script = _v1_script(config.parent, spec)
        except ValueError as exc:
            app.notes.append(f"{config}: the host cannot load it ({exc}); that function is off")
            continue
        module = app.source.module_at(script) if script else None
        app.entries.extend([module.name] if module else [])
        bindings = [b for b in spec["bindings"] if isinstance(b, dict)]
        types = {str(function_json.binding_value(b, "type")).lower(): b for b in bindings}
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
