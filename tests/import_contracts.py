"""An import-linter contract for what its own `forbidden` type cannot name: a sub-package of
an external namespace package (`azure.mgmt` inside `azure`, which also holds the
azure-data-tables and azure-core the core does need)."""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from importlinter import Contract, ContractCheck, fields, output


def imported_names(source: str, line_number: int) -> list[str]:
    """Every dotted name the import statement starting at `line_number` can bind, read from
    the parsed source (grimp hands over only the statement's first line, and a parenthesised
    `from azure import (\n mgmt)` names `mgmt` on another): `from azure import mgmt` reaches
    `azure.mgmt` as surely as `import azure.mgmt.web` does."""
    names: list[str] = []
    for node in ast.walk(_parsed(source)):
        if getattr(node, "lineno", None) != line_number:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


@cache
def _parsed(source: str) -> ast.Module:
    return ast.parse(source)


@cache
def _source(module: str) -> str:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin).read_text() if spec and spec.origin else ""


class ForbiddenExternalSubpackagesContract(Contract):
    """Direct imports of the named sub-packages by the source modules or their descendants."""

    type_name = "forbidden_external_subpackages"
    source_modules = fields.ListField(subfield=fields.ModuleField())
    forbidden_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        forbidden = [str(m) for m in self.forbidden_modules]  # type: ignore[attr-defined]
        found: list[tuple[str, int, str]] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            for module in sorted({source.name, *graph.find_descendants(source.name)}):
                for imported in graph.find_modules_directly_imported_by(module):
                    for detail in graph.get_import_details(importer=module, imported=imported):
                        number = detail["line_number"]
                        if any(
                            name == f or name.startswith(f + ".")
                            for name in imported_names(_source(module), number)
                            for f in forbidden
                        ):
                            found.append((module, number, detail["line_contents"]))
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, line_number, line in check.metadata["found"]:
            output.print_error(f"{module}:{line_number}: {line.strip()}", bold=False)
