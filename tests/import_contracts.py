"""An import-linter contract for what its own `forbidden` type cannot name: a sub-package of
an external namespace package (`azure.mgmt` inside `azure`, which also holds the
azure-data-tables and azure-core the core does need)."""

from __future__ import annotations

import re
from typing import Any

from importlinter import Contract, ContractCheck, fields, output

_FROM = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+(.*)")
_IMPORT = re.compile(r"^\s*import\s+(.*)")


def imported_names(line: str) -> list[str]:
    """Every dotted name an import line can bind: `from azure import mgmt` reaches
    `azure.mgmt` as surely as `import azure.mgmt.web` does."""
    code = line.split("#", 1)[0]
    if match := _FROM.match(code):
        names = [n.split(" as ")[0].strip(" ()\\") for n in match[2].split(",")]
        return [match[1], *(f"{match[1]}.{n}" for n in names if n.isidentifier())]
    if match := _IMPORT.match(code):
        return [n.split(" as ")[0].strip() for n in match[1].split(",")]
    return []


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
                        line = detail["line_contents"]
                        if any(
                            name == f or name.startswith(f + ".")
                            for name in imported_names(line)
                            for f in forbidden
                        ):
                            found.append((module, detail["line_number"], line))
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, line_number, line in check.metadata["found"]:
            output.print_error(f"{module}:{line_number}: {line.strip()}", bold=False)
