"""The app's own modules, parsed once, and what their names refer to.

Nothing is imported: a module's names are resolved from its `import` statements and
top-level definitions, the way the Functions host would find them with the app folder on
`sys.path` (v1 apps also as the `__app__` package).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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

    @classmethod
    def load(cls, root: Path) -> AppSource:
        modules = {}
        for path in python_files(root):
            module = parse(path, _module_name(root, path))
            modules[module.name] = module
        return cls(root, modules)

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
