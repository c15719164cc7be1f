"""The app's own modules, parsed once, and what their names refer to.

Nothing is imported: a module's names are resolved from its `import` statements and
top-level definitions, the way the Functions host would find them with the app folder on
`sys.path` (v1 apps also as the `__app__` package). Two more ways apps reach their own
code are followed, because the host runs them: a folder the module puts on `sys.path`
itself (`from shared import x` beside it) and a package installed from the app's own
`src/` layout (`from app.x import y` for `src/app/x.py`); a name is taken that way only
when exactly one module fits.

Files `.funcignore` leaves out are not part of the app (`funcignore`). A module that does
not parse is remembered, not fatal: it stops the lint of its app only if the app imports
it (`reachable`), as it would stop the host's import of the app.
"""

from __future__ import annotations

import ast
import builtins
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scripts.stages.lint.funcignore import FuncIgnore
from taskhub.errors import ConfigurationError

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", ".python_packages", "venv", "env"})
MUTABLE_FACTORIES = frozenset(
    {
        "builtins.list",
        "builtins.dict",
        "builtins.set",
        "builtins.bytearray",
        "collections.defaultdict",
        "collections.deque",
        "collections.Counter",
        "collections.OrderedDict",
    }
)
MUTABLE_LITERALS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
V1_PACKAGE = "__app__"
SRC_LAYOUT = "src"


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    lines: list[str]
    imports: dict[str, str] = field(default_factory=dict)
    """Local name -> the dotted name it was imported as."""
    defs: dict[str, FunctionNode] = field(default_factory=dict)
    assigned: dict[str, ast.expr] = field(default_factory=dict)
    """Top-level `NAME = value` (the last one wins, as at import time)."""
    imported: set[str] = field(default_factory=set)
    """Every module name an import anywhere in it may load (`import a.b` loads a and a.b)."""

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    def is_mutable_global(self, name: str) -> bool:
        value = self.assigned.get(name)
        if isinstance(value, MUTABLE_LITERALS):
            return True
        return isinstance(value, ast.Call) and self.qualify(value.func) in MUTABLE_FACTORIES

    def qualify(self, expr: ast.expr) -> str | None:
        """The dotted name an expression refers to at module level, if it is one."""
        if isinstance(expr, ast.Name):
            if expr.id in self.imports:
                return self.imports[expr.id]
            if expr.id in self.defs or expr.id in self.assigned:
                return f"{self.name}.{expr.id}"
            return f"builtins.{expr.id}" if hasattr(builtins, expr.id) else None
        if isinstance(expr, ast.Attribute):
            base = self.qualify(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".") if module.package else []
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def _loaded(module: Module) -> set[str]:
    """Module names the imports anywhere in `module` load, importlib's literal ones too."""
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            targets = [source, *(f"{source}.{alias.name}".strip(".") for alias in node.names)]
        elif (
            isinstance(node, ast.Call)
            and module.qualify(node.func) == "importlib.import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            targets = [node.args[0].value]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            names.update(".".join(parts[:end]) for end in range(1, len(parts) + 1) if target)
    return names


def _index(module: Module) -> None:
    for node in module.tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    module.imports[top] = top
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = f"{source}.{alias.name}".strip(".")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            module.defs[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    module.assigned[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            module.assigned[node.target.id] = node.value


def parse(path: Path, name: str) -> Module:
    """Parse one file; a syntax error is "cannot lint", naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise ConfigurationError(
            f"{path}:{exc.lineno}:{exc.offset or 0}: cannot parse: {exc.msg}",
            fix="fix the syntax error (the Functions host could not import this module either)",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc}", fix="check the file") from exc
    except ValueError as exc:  # null bytes, on Pythons that do not call them a SyntaxError
        raise ConfigurationError(f"{path}: cannot parse: {exc}", fix="fix the file") from exc
    module = Module(name, path, tree, text.splitlines())
    _index(module)
    module.imported = _loaded(module)
    return module


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).parts[:-1]
        if not any(part in SKIPPED_DIRS or part.startswith(".") for part in relative):
            yield path


@dataclass
class AppSource:
    """Every module of one function app, by dotted name."""

    root: Path
    modules: dict[str, Module]
    unparsed: dict[str, ConfigurationError] = field(default_factory=dict)
    """Modules that do not parse, and why: fatal only for an app that imports them."""

    @classmethod
    def load(cls, root: Path) -> AppSource:
        source = cls(root, {})
        ignore = FuncIgnore.of(root)
        for path in python_files(root):
            if ignore.denies(path.relative_to(root).as_posix()):
                continue
            name = _module_name(root, path)
            try:
                source.modules[name] = parse(path, name)
            except ConfigurationError as exc:
                source.unparsed[name] = exc
        source._link()
        return source

    def _canonical(self, dotted: str, importer: Module) -> str | None:
        """The app module `dotted` loads when `importer` imports it, if exactly one fits."""
        known = self.modules.keys() | self.unparsed.keys()
        if dotted in known:
            return dotted
        if dotted.split(".")[0] in sys.stdlib_module_names:
            return None
        candidates = {f"{importer.package}.{dotted}", f"{SRC_LAYOUT}.{dotted}"} & known
        return candidates.pop() if len(candidates) == 1 else None

    def _rename(self, dotted: str, importer: Module) -> str:
        """`dotted` with its longest module prefix written as the app module it is."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            found = self._canonical(".".join(parts[:end]), importer)
            if found is not None:
                return ".".join([found, *parts[end:]])
        return dotted

    def _link(self) -> None:
        for module in self.modules.values():
            module.imports = {k: self._rename(v, module) for k, v in module.imports.items()}
            module.imported = {self._rename(v, module) for v in module.imported}

    def reachable(self, entries: list[str]) -> set[str]:
        """The app modules importing `entries` loads (packages' `__init__` included)."""
        seen: set[str] = set()
        queue = list(entries)
        while queue:
            name = queue.pop()
            if name in seen or (name not in self.modules and name not in self.unparsed):
                continue
            seen.add(name)
            parent = name.rpartition(".")[0]
            queue.extend([parent] if parent else [])
            if name in self.modules:
                queue.extend(self.modules[name].imported)
        return seen

    def broken(self, reached: set[str]) -> ConfigurationError | None:
        """The first module the app imports that does not parse, if any."""
        return next((self.unparsed[n] for n in sorted(self.unparsed) if n in reached), None)

    def module_at(self, path: Path) -> Module | None:
        return next((m for m in self.modules.values() if m.path == path), None)

    def resolve(self, dotted: str | None, hops: int = 4) -> tuple[Module, str] | None:
        """The app module and top-level name a dotted name ends at (re-exports followed)."""
        if not dotted or hops == 0:
            return None
        dotted = dotted.removeprefix(f"{V1_PACKAGE}.")
        owner, _, name = dotted.rpartition(".")
        module = self.modules.get(owner)
        if module is None:
            return None
        if name in module.defs or name in module.assigned:
            return module, name
        return self.resolve(module.imports.get(name), hops - 1)

    def function(self, dotted: str | None) -> tuple[Module, FunctionNode] | None:
        found = self.resolve(dotted)
        if found and found[1] in found[0].defs:
            return found[0], found[0].defs[found[1]]
        return None
