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

A fourth reader is the eye: a bidi override (U+202E) shows `bidi\u202eDENIARD TON` as
"bidi NOT DRAINED", a zero-width character hides in a version, and U+2028/U+2029 break a
line for an editor or a log viewer.

`neutralise` escapes every C0 and C1 control and DEL as `\\xNN` text, every Unicode format
character (category Cf: bidi controls, zero-width ones) and the line and paragraph
separators as `\\uNNNN`, breaks `##vso[` and `##[` wherever they occur and a leading `::` by
writing one of their characters as `\\x23` or `\\x3a`, and doubles every backslash, so the
escape is reversible: two different values never print the same (nor collide as JSON keys).
The value stays readable and complete, and no reader acts on it. Every sink applies it:
`Output` (text, progress and each string of the JSON it writes) and `Annotator`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_SUSPECT = re.compile(r"[\\\x00-\x1f\x7f-\x9f]|[^\x00-\x7f]")
"""A backslash, a control, or any non-ASCII character (`_escape` keeps the visible ones)."""
_INVISIBLE = ("Cf", "Zl", "Zp")
"""Unicode format characters, line and paragraph separators."""
_COMMAND_MARK = re.compile(r"#(?=#(?:vso)?\[)", re.IGNORECASE)
_LEADING_COLONS = re.compile(r"^(\s*):(?=:)")


def neutralise(text: str) -> str:
    """`text` with no control character, logging command or workflow command left live."""
    text = _SUSPECT.sub(_escape, text)
    text = _COMMAND_MARK.sub(r"\\x23", text)
    return _LEADING_COLONS.sub(r"\1\\x3a", text)


def _escape(match: re.Match[str]) -> str:
    """Python's own spellings, so each escape has one reading: `\\\\`, `\\xNN`, `\\uNNNN`,
    `\\UNNNNNNNN`."""
    char = match.group()
    code = ord(char)
    if char == "\\":
        return "\\\\"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    if unicodedata.category(char) not in _INVISIBLE:
        return char
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def neutralised(value: Any) -> Any:
    """A JSON value with every string in it (keys too) neutralised; a value JSON has no type
    for (a datetime, a path) becomes its text first, and a key its text (JSON's keys are
    strings). Two keys that would print the same (1 and "1") are a ValueError, never one
    silently dropped."""
    if isinstance(value, Mapping):
        result = {neutralise(str(k)): neutralised(v) for k, v in value.items()}
        if len(result) != len(value):
            raise ValueError("two keys of one JSON object print the same")
        return result
    if isinstance(value, list | tuple):
        return [neutralised(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return neutralise(str(value))
