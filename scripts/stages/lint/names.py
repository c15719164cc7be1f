"""DDZ008's judge: is a name one the app registers, and if not, what is the closest?

Names compare case-insensitively, as the Durable extension's `FunctionName` does
(azure-functions-durable-extension src/WebJobs.Extensions.DurableTask/FunctionName.cs:
`string.Equals(this.Name, other.Name, StringComparison.OrdinalIgnoreCase)`).
"""

from __future__ import annotations

import difflib

from scripts.stages.lint.checks import NameProblem
from scripts.stages.lint.discovery import AppModel, Kind


def name_judge(app: AppModel) -> NameProblem | None:
    """DDZ008's judge: None when the app's names are not all spelled out in the source."""
    if app.unnamed:
        return None
    known: dict[str, dict[str, str]] = {kind.value: {} for kind in Kind}
    uncounted: dict[str, str] = {}
    for function in app.functions:
        for name in function.names:
            if app.counted(function):
                known[function.kind.value][name.lower()] = name
            elif function.blueprint:
                uncounted[name.lower()] = function.blueprint

    def problem(kind: str, name: str) -> str | None:
        key = name.lower()
        if key in known[kind]:
            return None
        if key in uncounted:
            blueprint = uncounted[key].rpartition(".")[2]
            return f"it is in blueprint {blueprint}, which no app registers (register_functions)"
        other = next((k for k, names in known.items() if key in names), None)
        if other:
            return f"{name!r} is an {other}, not an {kind}"
        close = difflib.get_close_matches(key, list(known[kind]), n=1, cutoff=0.6)
        if close:
            return f"did you mean {known[kind][close[0]]!r}?"
        defined = sorted(known[kind].values())
        return f"its {kind} functions are {', '.join(defined[:8]) or 'none'}"

    return problem
