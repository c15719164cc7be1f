"""Text taken from rows, settings and callers, made inert before it reaches a terminal or a CI log.

Instance ids, names, versions and route rows are written by whoever can start an
orchestration or write a table (the sample app copies `?version=` from any caller), and we
print them. Three readers act on what we print:
- a terminal runs escape sequences (ESC, and the C1 CSI 0x9b): "NOT DRAINED" erased,
  "DRAINED" printed in its place;
- the Azure Pipelines agent runs a logging command (`##vso[...]`) wherever it starts in a
  line, and `##[group]`-style formatting commands;
- the GitHub Actions runner runs a workflow command from a line that starts with `::` after
  leading whitespace (actions/runner `ActionCommand.TryParseV2`: `message.TrimStart()`,
  `StartsWith("::")`), and the older `##[...]` form anywhere in a line (`TryParse`:
  `IndexOf("##[")`); a newline inside a value would start a line of its own.

`neutralise` escapes every C0 and C1 control and DEL as `\\xNN` text, breaks `##vso[` and
`##[` wherever they occur and a leading `::` by writing one of their characters as `\\x23`
or `\\x3a`: the value stays readable and complete, and no reader acts on it. Every sink
applies it: `Output` (text, progress and each string of the JSON it writes) and `Annotator`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_COMMAND_MARK = re.compile(r"#(?=#(?:vso)?\[)", re.IGNORECASE)
_LEADING_COLONS = re.compile(r"^(\s*):(?=:)")


def neutralise(text: str) -> str:
    """`text` with no control character, logging command or workflow command left live."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = _COMMAND_MARK.sub(r"\\x23", text)
    return _LEADING_COLONS.sub(r"\1\\x3a", text)


def neutralised(value: Any) -> Any:
    """A JSON value with every string in it (keys too) neutralised; a value JSON has no type
    for (a datetime, a path) becomes its text first."""
    if isinstance(value, Mapping):
        return {neutralised(k): neutralised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [neutralised(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return neutralise(str(value))
