"""What the lint knows of one app: its durable functions, and which of them the host indexes.

The host indexes a v1 app's function folders, and a v2 app's registrations on the one app
object `function_app.py` holds (`discovery`); a function declared anywhere else is kept
here with the reason it does not count, so a call into it can say why it is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from scripts.stages.lint.source import AppSource, FunctionNode, Module


class Kind(StrEnum):
    ORCHESTRATOR = "orchestrator"
    ACTIVITY = "activity"
    ENTITY = "entity"


ENTRY_MODULE = "function_app"
"""The module the Python worker imports to index a v2 app (its PYTHON_SCRIPT_FILE_NAME default)."""


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
