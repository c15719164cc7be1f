"""DDZ008's judge: is a name one the app registers, and if not, what is the closest?

Names compare case-insensitively, as the Durable extension's `FunctionName` does
(azure-functions-durable-extension src/WebJobs.Extensions.DurableTask/FunctionName.cs:
`string.Equals(this.Name, other.Name, StringComparison.OrdinalIgnoreCase)`). A name the
app declares but the host would not index (a module nothing imports, a blueprint nobody
registers) is unknown to the extension too, so calling it is a finding, with the reason;
unless the app registers or imports something through a value computed at run time, when
the lint cannot tell and says nothing about such names.
"""

from __future__ import annotations

import difflib

from scripts.stages.lint.app_model import AppModel, Kind
from scripts.stages.lint.checks import NameProblem


def name_judge(app: AppModel) -> NameProblem | None:
    """DDZ008's judge: None when the app's names are not all spelled out in the source."""
    if app.unnamed:
        return None
    known: dict[str, dict[str, str]] = {kind.value: {} for kind in Kind}
    uncounted: dict[str, str] = {}
    for function in app.functions:
        why = app.why_not_counted(function)
        if why is None:
            known[function.kind.value][function.name.lower()] = function.name
        else:
            uncounted.setdefault(function.name.lower(), why)

    def problem(kind: str, name: str) -> str | None:
        key = name.lower()
        if key in known[kind]:
            return None
        if key in uncounted:
            return uncounted[key]
        other = next((k for k, names in known.items() if key in names), None)
        if other:
            return f"{name!r} is an {other}, not an {kind}"
        close = difflib.get_close_matches(key, list(known[kind]), n=1, cutoff=0.6)
        if close:
            return f"did you mean {known[kind][close[0]]!r}?"
        defined = sorted(known[kind].values())
        return f"its {kind} functions are {', '.join(defined[:8]) or 'none'}"

    return problem
